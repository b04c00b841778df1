"""Where token counts are made and kept: a worker process, memory only, release."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from llmops_ls.linter import token_worker, tokens

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A process state with no encoding loaded, nothing remembered, a private cache."""
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_memory", {})
    monkeypatch.setattr(tokens, "_requests", {})
    disk = tokens._DiskCache()
    disk.configure(tmp_path / "cache")
    monkeypatch.setattr(tokens, "_disk", disk)
    return tmp_path / "cache" / tokens._DISK_FILE


def _texts() -> list[str]:
    texts = ["hello world", "日本語のテキスト", "<|endoftext|>", "Run `make test`.\n"]
    texts += [p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md"))[:8]]
    return texts


def test_worker_counts_equal_this_process_counts_and_load_nothing_here(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _texts()
    with tokens.counted_in_worker():
        counted = [tokens.count_tokens(t) for t in texts]
        cl100k = tokens.count_tokens(texts[1], "cl100k_base")
    assert tokens.loaded_encodings() == frozenset()

    monkeypatch.setattr(tokens, "_memory", {})
    tokens.set_cache_dir(None)
    assert counted == [tokens.count_tokens(t) for t in texts]
    assert cl100k == 8


def test_worker_process_ends_with_the_block(fresh: Path) -> None:
    with tokens.counted_in_worker():
        tokens.count_tokens("start a worker")
        workers = tokens._workers.get()
        assert workers is not None
        process = workers["o200k_base"]._process
        assert process is not None and process.poll() is None
    assert process.returncode == 0


def test_an_encoding_loaded_here_is_used_instead_of_a_worker(fresh: Path) -> None:
    tokens.preload()
    with tokens.counted_in_worker():
        assert tokens.count_tokens("hello world") == 2
        workers = tokens._workers.get()
        assert workers == {}


def test_a_worker_that_cannot_start_leaves_counting_here(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(fresh.parent / "no-such-python"))
    with tokens.counted_in_worker():
        assert tokens.count_tokens("hello world") == 2
        assert tokens.count_tokens("tiktoken is great!") == 6
    assert tokens.loaded_encodings() == {"o200k_base"}


def test_text_the_worker_refuses_fails_as_here_without_loading_here(
    fresh: Path,
) -> None:
    lone_surrogate = "a\udc80b"
    with pytest.raises(ValueError):
        tokens._load("o200k_base").count(lone_surrogate)
    tokens._encodings.clear()

    with tokens.counted_in_worker(), pytest.raises(ValueError, match="o200k_base"):
        tokens.count_tokens(lone_surrogate)
    assert tokens.loaded_encodings() == frozenset()


def test_worker_protocol_answers_each_request_until_input_ends() -> None:
    requests = io.BytesIO()
    for text in ("hello world", "a\udc80b"):
        payload = text.encode("utf-8", "surrogatepass")
        requests.write(struct.pack(">I", len(payload)) + payload)
    requests.seek(0)
    answers = io.BytesIO()

    assert token_worker.serve("o200k_base", requests, answers) == 2
    assert struct.unpack(">II", answers.getvalue()) == (2, token_worker.UNCOUNTABLE)


def test_worker_runs_as_a_module() -> None:
    payload = b"hello world"
    done = subprocess.run(
        [sys.executable, "-m", "llmops_ls.linter.token_worker", "cl100k_base"],
        input=struct.pack(">I", len(payload)) + payload,
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert struct.unpack(">I", done.stdout) == (2,)


def test_counts_kept_in_memory_are_not_written_to_disk(fresh: Path) -> None:
    with tokens.kept_in_memory():
        assert tokens.count_tokens("a buffer being typed into") == 5
    assert not fresh.exists()
    assert tokens.count_tokens("a buffer being typed into") == 5  # from memory

    tokens.count_tokens("a file on disk")
    assert len(json.loads(fresh.read_text(encoding="utf-8"))["counts"]) == 1


def test_kept_workers_count_and_idle_ones_are_stopped(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_kept", tokens._Kept())
    tokens.keep_workers()
    try:
        assert tokens.count_tokens("hello world") == 2
        with tokens.counted_in_worker():
            assert tokens._workers.get() is None  # the kept worker serves the block
            assert tokens.count_tokens("tiktoken is great!") == 6
        assert tokens.kept_workers() == {"o200k_base"}
        assert tokens.release_idle(3600) == []
        assert tokens.kept_workers() == {"o200k_base"}

        assert tokens.release_idle(0) == ["o200k_base"]
        assert tokens.kept_workers() == frozenset()
        assert tokens.count_tokens("and loaded again on need") == 5
        assert tokens.kept_workers() == {"o200k_base"}
        assert tokens.loaded_encodings() == frozenset()
    finally:
        tokens.stop_kept_workers()
    assert tokens.kept_workers() == frozenset()


def _kill_kept_worker() -> int:
    workers = tokens._kept.workers
    assert workers is not None
    process = workers["o200k_base"]._process
    assert process is not None
    process.kill()
    process.wait()
    return process.pid


def test_a_kept_worker_that_dies_is_replaced_a_few_times_then_counting_is_here(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tokens, "_kept", tokens._Kept())
    tokens.keep_workers()
    try:
        assert tokens.count_tokens("hello world") == 2
        killed = {_kill_kept_worker()}
        for round_number in range(tokens._KEPT_RESTARTS):
            assert tokens.count_tokens(f"round {round_number} of the tests") > 0
            assert tokens.kept_workers() == {"o200k_base"}
            assert tokens.loaded_encodings() == frozenset()
            killed.add(_kill_kept_worker())
        assert len(killed) == tokens._KEPT_RESTARTS + 1

        assert tokens.count_tokens("tiktoken is great!") == 6
        assert tokens.loaded_encodings() == {"o200k_base"}
    finally:
        tokens.stop_kept_workers()
    assert caplog.text.count("ended; starting another") == tokens._KEPT_RESTARTS


def test_a_scan_whose_worker_dies_goes_on_counting_here(fresh: Path) -> None:
    with tokens.counted_in_worker():
        assert tokens.count_tokens("hello world") == 2
        workers = tokens._workers.get()
        assert workers is not None
        process = workers["o200k_base"]._process
        assert process is not None
        process.kill()
        process.wait()

        assert tokens.count_tokens("tiktoken is great!") == 6
    assert tokens.loaded_encodings() == {"o200k_base"}


def test_warming_loads_here_unless_workers_are_kept(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_kept", tokens._Kept())
    tokens.keep_workers()
    try:
        tokens.warm()
        assert tokens.ready_to_count()
        assert tokens.loaded_encodings() == frozenset()
    finally:
        tokens.stop_kept_workers()
    assert not tokens.ready_to_count()

    tokens.warm()

    assert tokens.loaded_encodings() == {"o200k_base"}
    assert tokens.ready_to_count()


def test_requests_are_counted_whether_cached_or_not(fresh: Path) -> None:
    before = tokens.requests_made()
    tokens.count_tokens("hello world")
    tokens.count_tokens("hello world")
    tokens.count_tokens("")
    assert tokens.requests_made() == before + 2


def test_a_block_inside_another_uses_the_outer_worker(fresh: Path) -> None:
    with tokens.counted_in_worker():
        tokens.count_tokens("outer")
        outer = tokens._workers.get()
        with tokens.counted_in_worker():
            assert tokens._workers.get() is outer
            tokens.count_tokens("inner")
        assert outer is not None
        process = outer["o200k_base"]._process
        assert process is not None and process.poll() is None
    assert tokens.loaded_encodings() == frozenset()


def test_a_worker_asked_to_start_runs_before_the_first_count(fresh: Path) -> None:
    with tokens.counted_in_worker(start=tokens.DEFAULT_ENCODING):
        workers = tokens._workers.get()
        assert workers is not None
        process = workers[tokens.DEFAULT_ENCODING]._process
        assert process is not None and process.poll() is None
        assert tokens.count_tokens("hello world") == 2
        assert workers[tokens.DEFAULT_ENCODING]._process is process
    assert tokens.loaded_encodings() == frozenset()


def test_cached_count_answers_only_from_the_caches(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tokens.cached_count("hello world") is None
    assert tokens.cached_count("") == 0
    assert tokens.loaded_encodings() == frozenset()
    assert tokens.count_tokens("hello world") == 2
    assert tokens.cached_count("hello world") == 2
    monkeypatch.setattr(tokens, "_memory", {})
    assert tokens.cached_count("hello world") == 2  # from the disk
    assert tokens.cached_count("hello world", "cl100k_base") is None


def test_an_error_in_the_block_stops_the_worker_without_waiting_for_it(
    fresh: Path,
) -> None:
    # Ctrl-C while a run lints beside a worker still loading the vocabulary: the run
    # must end now, not once the worker has loaded what nobody will ask it to count.
    with (
        pytest.raises(KeyboardInterrupt),
        tokens.counted_in_worker(start=tokens.DEFAULT_ENCODING),
    ):
        workers = tokens._workers.get()
        assert workers is not None
        process = workers[tokens.DEFAULT_ENCODING]._process
        assert process is not None
        raise KeyboardInterrupt
    assert process.returncode is not None and process.returncode < 0


def test_a_child_forked_in_the_block_counts_without_its_parents_worker(
    fresh: Path,
) -> None:
    # The child inherits the worker's pipes; requests from both processes on them
    # would mix, and either could read the answer meant for the other.
    with tokens.counted_in_worker(start=tokens.DEFAULT_ENCODING):
        assert tokens.count_tokens("hello world") == 2
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                count = tokens.count_tokens("tiktoken is great!")
                loaded = sorted(tokens.loaded_encodings())
                os.write(write_end, json.dumps([count, loaded]).encode())
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            answer = json.loads(pipe.read())
        _, status = os.waitpid(pid, 0)
        assert status == 0
        assert answer == [6, ["o200k_base"]]  # counted in the child itself

        assert tokens.count_tokens("a second text for the worker") == 6
    assert tokens.loaded_encodings() == frozenset()


def test_counts_made_in_a_block_reach_the_disk_once_when_it_ends(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[Path] = []
    real_write = tokens.write_atomically

    def spy(path: Path, write: Callable[[IO[bytes]], object]) -> None:
        writes.append(path)
        real_write(path, write)

    monkeypatch.setattr(tokens, "write_atomically", spy)
    texts = ["hello world", "tiktoken is great!", "日本語のテキスト"]
    with tokens.counted_in_worker():
        counted = [tokens.count_tokens(text) for text in texts]
        assert writes == []
        assert not fresh.exists()
        assert tokens.cached_count(texts[0]) == counted[0]  # memory has them meanwhile
    assert writes == [fresh]

    monkeypatch.setattr(tokens, "_memory", {})
    fresh_disk = tokens._DiskCache()
    fresh_disk.configure(fresh.parent)
    monkeypatch.setattr(tokens, "_disk", fresh_disk)
    assert [tokens.cached_count(text) for text in texts] == counted

    tokens.count_tokens("outside any block")
    assert writes == [fresh, fresh]
