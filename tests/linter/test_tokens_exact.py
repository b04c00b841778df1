"""The offline token counts are OpenAI's: same vocabularies, same counts as tiktoken.

tiktoken downloads its vocabularies, which cannot be done here; it publishes their
SHA-256 hashes. Each vocabulary of the counter is written out in tiktoken's file
format and must hash to that value, and tiktoken's own encoder, built over it with
tiktoken's own split pattern, must count every text as the counter does.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken_ext.openai_public as openai_public
from hypothesis import given, settings
from hypothesis import strategies as st

from llmops_ls.linter.token_worker import load_encoding

ROOT = Path(__file__).resolve().parents[2]
ENCODINGS = ("o200k_base", "cl100k_base")


@cache
def _published(encoding: str) -> tuple[str, str]:
    """tiktoken's split pattern of `encoding` and the hash of its vocabulary file."""
    asked: dict[str, Any] = {}

    def record(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        asked["hash"] = expected_hash
        return {}

    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = record
    try:
        spec = getattr(openai_public, encoding)()
    finally:
        openai_public.load_tiktoken_bpe = original
    return spec["pat_str"], asked["hash"]


#: How many ranks each published vocabulary file holds (its special tokens aside).
_SIZES = {"o200k_base": 199_998, "cl100k_base": 100_256}


@cache
def _ranks(encoding: str) -> dict[bytes, int]:
    """The counter's vocabulary: each token's bytes by rank."""
    from rs_bpe.bpe import openai

    bpe = getattr(openai, encoding)().bpe()
    return {bpe.decode_tokens([rank]): rank for rank in range(_SIZES[encoding])}


@cache
def _reference(encoding: str) -> tiktoken.Encoding:
    pattern, _ = _published(encoding)
    return tiktoken.Encoding(
        f"reference-{encoding}",
        pat_str=pattern,
        mergeable_ranks=_ranks(encoding),
        special_tokens={},
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_vocabulary_is_the_one_openai_publishes(encoding: str) -> None:
    ranks = _ranks(encoding)
    written = b"".join(
        base64.b64encode(token) + b" " + str(rank).encode() + b"\n"
        for token, rank in sorted(ranks.items(), key=lambda item: item[1])
    )
    _, published_hash = _published(encoding)
    assert hashlib.sha256(written).hexdigest() == published_hash


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_repositorys_own_texts_count_as_tiktoken_counts_them(encoding: str) -> None:
    counter = load_encoding(encoding)
    reference = _reference(encoding)
    paths = [
        *ROOT.glob("docs/**/*.md"),
        *ROOT.glob("examples/**/*.md"),
        *ROOT.glob("examples/**/*.mdc"),
        *ROOT.glob("rules/*.toml"),
        *ROOT.glob("server/llmops_ls/**/*.py"),
    ]
    texts = [p.read_text(encoding="utf-8") for p in sorted(paths)]
    assert len(texts) > 200
    differing = [
        index
        for index, text in enumerate(texts)
        if counter.count(text) != len(reference.encode_ordinary(text))
    ]
    assert differing == []


# Text as a rules file may hold it: any character but a lone surrogate, with runs of
# spaces, tabs and line ends, digits and apostrophes, where the split patterns differ.
_PIECES = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\n\n", " \n", "'s", "'LL", "123"]),
)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=30), encoding=st.sampled_from(ENCODINGS))
def test_any_text_counts_as_tiktoken_counts_it(
    pieces: list[str], encoding: str
) -> None:
    text = "".join(pieces)
    expected = len(_reference(encoding).encode_ordinary(text))
    assert load_encoding(encoding).count(text) == expected
