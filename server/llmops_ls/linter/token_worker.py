"""A process that counts tokens for another one.

`python -m llmops_ls.linter.token_worker ENCODING` loads the encoding and answers
requests on its standard streams until its input closes: each request is a 4-byte
big-endian length and that many bytes of UTF-8 text (lone surrogates passed through),
each answer a 4-byte big-endian count, or `UNCOUNTABLE` for a text the encoder
refuses (the asking process then raises `ValueError`, as the encoder would). The
command line counts this way while it lints other files, and the language server
counts every lint this way, in a worker it stops when left unused, so that the
vocabulary (about 65 MiB for o200k) never stays in the server's own heap.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable
from typing import BinaryIO, Protocol

_LENGTH = struct.Struct(">I")
UNCOUNTABLE = 0xFFFFFFFF


class Encoder(Protocol):
    """What counting needs of an encoding."""

    def count(self, text: str) -> int: ...


def load_encoding(encoding: str) -> Encoder:
    """Load one of the supported encodings (`o200k_base`, `cl100k_base`).

    `rs_bpe` keeps what it loads for the life of the process: the vocabulary's memory
    comes back only when the process ends, which is why a long-running process
    counts in a worker that it can stop.
    """
    from rs_bpe.bpe import openai  # deferred: only counts need it

    loaders: dict[str, Callable[[], Encoder]] = {
        "o200k_base": openai.o200k_base,
        "cl100k_base": openai.cl100k_base,
    }
    return loaders[encoding]()


def serve(encoding: str, requests: BinaryIO, answers: BinaryIO) -> int:
    """Answer count requests until `requests` ends; returns how many were answered."""
    encoder = load_encoding(encoding)
    answered = 0
    while True:
        header = requests.read(_LENGTH.size)
        if len(header) < _LENGTH.size:
            return answered
        (length,) = _LENGTH.unpack(header)
        text = requests.read(length).decode("utf-8", "surrogatepass")
        try:
            count = encoder.count(text)
        except (TypeError, ValueError):
            count = UNCOUNTABLE
        answers.write(_LENGTH.pack(count))
        answers.flush()
        answered += 1


if __name__ == "__main__":
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
