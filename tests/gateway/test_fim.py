"""Fill-in-the-middle prompts cut to the token budget: where, how far, at what cost."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmops_ls.gateway import fim as fim_module
from llmops_ls.gateway.fim import build_fim
from llmops_ls.linter.token_worker import load_encoding

_ENCODER = load_encoding("o200k_base")


class CountingCounter:
    """The real o200k count, noting how often it was asked and how much it counted."""

    def __init__(self) -> None:
        self.calls = 0
        self.chars = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        self.chars += len(text)
        return _ENCODER.count(text)


def _module(functions: int) -> str:
    return "".join(
        f"def parse_{n}(raw: str) -> dict[str, int]:\n"
        f'    """Split the pairs of entry {n}; keep the integers."""\n'
        '    pairs = (item.split("=", 1) for item in raw.split(",") if item)\n'
        "    return {key.strip(): int(value) for key, value in pairs}\n\n"
        for n in range(functions)
    )


def test_a_prompt_within_the_budget_is_kept_whole() -> None:
    prefix, suffix = "def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n"

    fim = build_fim(prefix, suffix, 1500, CountingCounter())

    assert (fim.prefix, fim.suffix) == (prefix, suffix)
    assert fim.prefix_tokens == _ENCODER.count(prefix)
    assert fim.suffix_tokens == _ENCODER.count(suffix)


class CachingCounter(CountingCounter):
    """A counter that remembers, as the server's does; `calls` counts real counts."""

    def __init__(self) -> None:
        super().__init__()
        self.known: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self.known:
            self.known[text] = super().__call__(text)
        return self.known[text]


def test_typing_on_the_cursor_line_counts_only_that_line_again() -> None:
    above, below = _module(200), "\n" + _module(100)
    counter = CachingCounter()
    first = build_fim(above + "    total = ", below, 1500, counter)
    before = counter.calls

    second = build_fim(above + "    total = su", below, 1500, counter)

    assert counter.calls == before + 1
    assert second.prefix.endswith("    total = su")
    assert second.prefix[: -len("su")] == first.prefix
    assert second.suffix == first.suffix


# Code-like text: lines of words, punctuation, comments and blank lines, where the
# split patterns of the encodings are most varied at line ends.
_LINE = st.lists(
    st.sampled_from(
        [
            "x",
            "return",
            "  ",
            "\t",
            "(",
            ")",
            "):",
            "};",
            "//",
            "/",
            "#",
            "'s",
            "42",
            "é",
            "日本",
            " ",
            "=",
            "->",
            "\r",
            "\u00a0",
            "\u3000",
            "\x0c",
        ]
    ),
    max_size=8,
).map("".join)
_CODE = st.lists(_LINE, max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(code=_CODE, at=st.integers(min_value=0))
def test_the_two_parts_count_as_the_whole(code: str, at: int) -> None:
    at = at % (len(code) + 1)
    prefix, suffix = code[:at], code[at:]

    fim = build_fim(prefix, suffix, 100_000, CountingCounter())

    assert (fim.prefix, fim.suffix) == (prefix, suffix)
    assert fim.prefix_tokens == _ENCODER.count(prefix)
    assert fim.suffix_tokens == _ENCODER.count(suffix)


@pytest.mark.parametrize("functions", [40, 200, 1000])
def test_a_long_prefix_loses_whole_lines_from_its_start_in_a_few_counts(
    functions: int,
) -> None:
    prefix = _module(functions) + "def add(a, b):\n    return "
    counter = CountingCounter()

    fim = build_fim(prefix, "", 1500, counter)

    assert fim.prefix_tokens == _ENCODER.count(fim.prefix) <= 1500
    assert prefix.endswith(fim.prefix)
    assert prefix[: -len(fim.prefix)].endswith("\n")  # cut after a line end
    # Nearly the whole budget is used: the next line back would not have fitted,
    # or only just.
    assert fim.prefix_tokens > 1500 - 60
    # The cursor's line, the chunks that fit, then a few rounds on the one that does
    # not: never a count per line, nor of the text beyond the budget.
    assert counter.calls <= 8
    assert counter.chars <= len(fim.prefix) + 4 * fim_module.CHUNK_CHARS


def test_a_new_line_above_the_cursor_is_counted_again_in_its_chunk_only() -> None:
    above = _module(200)
    counter = CachingCounter()
    first = build_fim(above + "def total(a, b):\n    return ", "", 1500, counter)
    counter.chars = 0

    # Enter on the line before: a line the far part has never had.
    second = build_fim(
        above + "def total(a, b):\n    checked = a\n    return ", "", 1500, counter
    )

    assert second.prefix.endswith("def total(a, b):\n    checked = a\n    return ")
    assert second.prefix_tokens == _ENCODER.count(second.prefix) <= 1500
    assert len(first.prefix) > 2 * fim_module.CHUNK_CHARS
    # The chunk with the new line, and what the last chunk kept, are counted again.
    assert counter.chars <= 3 * fim_module.CHUNK_CHARS


@settings(max_examples=300, deadline=None)
@given(
    code=_CODE,
    at=st.integers(min_value=0),
    chunk=st.integers(1, 40),
    reach=st.integers(0, 120),
)
def test_chunks_of_the_far_lines_count_as_the_whole(
    code: str, at: int, chunk: int, reach: int
) -> None:
    at = at % (len(code) + 1)
    prefix, suffix = code[:at], code[at:]

    with patch.object(fim_module, "CHUNK_CHARS", chunk):
        fim = build_fim(prefix, suffix, 100_000, CountingCounter())
        for from_end in (False, True):
            pieces = fim_module._chunks(code, from_end=from_end, reach=reach)
            assert "".join(pieces) == code
            assert sum(_ENCODER.count(p) for p in pieces) == _ENCODER.count(code)

    assert (fim.prefix, fim.suffix) == (prefix, suffix)
    assert fim.prefix_tokens == _ENCODER.count(prefix)
    assert fim.suffix_tokens == _ENCODER.count(suffix)


@pytest.mark.parametrize("from_end", [False, True])
def test_only_the_lines_within_reach_of_the_cursor_are_split(from_end: bool) -> None:
    # A file of megabytes costs a keystroke no more than one of a few pages.
    text = _module(10_000)
    pieces = fim_module._chunks(text, from_end=from_end, reach=9_000)
    assert "".join(pieces) == text
    assert len(pieces) <= 9_000 // fim_module.CHUNK_CHARS + 3
    outermost = pieces[-1] if from_end else pieces[0]
    assert len(outermost) > len(text) - 9_000 - 2 * fim_module.CHUNK_CHARS


def test_a_long_suffix_loses_whole_lines_from_its_end() -> None:
    suffix = "\n" + _module(200)
    counter = CountingCounter()

    fim = build_fim("x = ", suffix, 1000, counter, suffix_share=0.25)

    assert fim.suffix_tokens == _ENCODER.count(fim.suffix) <= 250
    assert suffix.startswith(fim.suffix)
    assert suffix[len(fim.suffix)] == "\n"  # cut before a line end
    assert fim.suffix_tokens > 250 - 60
    assert counter.calls <= 6


def test_one_long_line_is_cut_inside_it() -> None:
    prefix = "values = [" + ", ".join(str(n * 7919) for n in range(3000))

    fim = build_fim(prefix, "", 500, CountingCounter())

    assert prefix.endswith(fim.prefix)
    assert 450 < fim.prefix_tokens <= 500


def test_budget_the_suffix_leaves_goes_to_the_prefix() -> None:
    prefix = _module(200)

    fim = build_fim(prefix, "", 1000, CountingCounter())

    assert fim.suffix_tokens == 0
    assert 1000 - 60 < fim.prefix_tokens <= 1000
