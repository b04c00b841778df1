"""Fill-in-the-middle prompts cut to the token budget: where, how far, at what cost."""

from __future__ import annotations

import pytest

from llmops_ls.gateway.fim import build_fim
from llmops_ls.linter.token_worker import load_encoding

_ENCODER = load_encoding("o200k_base")


class CountingCounter:
    """The real o200k count, noting how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        return _ENCODER.count(text)


def _module(functions: int) -> str:
    return "".join(
        f"def parse_{n}(raw: str) -> dict[str, int]:\n"
        f'    """Split the pairs of entry {n}; keep the integers."""\n'
        '    pairs = (item.split("=", 1) for item in raw.split(",") if item)\n'
        "    return {key.strip(): int(value) for key, value in pairs}\n\n"
        for n in range(functions)
    )


def test_a_prompt_within_the_budget_is_kept_whole_and_counted_once() -> None:
    counter = CountingCounter()
    prefix, suffix = "def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n"

    fim = build_fim(prefix, suffix, 1500, counter)

    assert (fim.prefix, fim.suffix) == (prefix, suffix)
    assert fim.tokens == _ENCODER.count(prefix) + _ENCODER.count(suffix)
    assert counter.calls == 2


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
    assert counter.calls <= 5


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
