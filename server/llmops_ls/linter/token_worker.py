"""A short-lived process that counts tokens for another one.

`python -m llmops_ls.linter.token_worker ENCODING` loads the encoding and answers
requests on its standard streams until its input closes: each request is a 4-byte
big-endian length and that many bytes of UTF-8 text (lone surrogates passed through),
each answer a 4-byte big-endian count, or `UNCOUNTABLE` for a text the encoder
refuses (the asking process then counts it itself, to fail the same way). The
language server counts the files of its
start-up scan this way, so that the vocabulary (about 65 MiB for o200k) lives only as
long as the scan and never in the server's own heap.
"""

from __future__ import annotations

import struct
import sys
from typing import BinaryIO

_LENGTH = struct.Struct(">I")
UNCOUNTABLE = 0xFFFFFFFF


def serve(encoding: str, requests: BinaryIO, answers: BinaryIO) -> int:
    """Answer count requests until `requests` ends; returns how many were answered."""
    import quicktok

    encoder = quicktok.Tokenizer(encoding, "")
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
