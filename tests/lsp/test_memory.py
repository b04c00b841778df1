import asyncio
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from llmops_ls.linter import tokens
from llmops_ls.lsp.memory import (
    EncodingReleaser,
    HeapTrimmer,
    collections_deferred,
    settle,
)
from llmops_ls.lsp.project import Project
from lsp.helpers import SERVER_ENV, open_file, replace_all, start, wait_for_diagnostics


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, pad: int) -> int:
        self.calls.append(pad)
        return 1


def test_heap_is_trimmed_once_every_so_many_lints() -> None:
    trimmer = HeapTrimmer(every=3)
    recorder = _Recorder()
    trimmer._trim = recorder
    for _ in range(7):
        trimmer.linted()
    assert recorder.calls == [0, 0]


def test_an_explicit_trim_restarts_the_count() -> None:
    trimmer = HeapTrimmer(every=3)
    recorder = _Recorder()
    trimmer._trim = recorder
    trimmer.linted()
    trimmer.linted()
    trimmer.trim()
    trimmer.linted()
    trimmer.linted()
    assert recorder.calls == [0]


def test_trimming_the_real_heap_is_harmless() -> None:
    HeapTrimmer(every=1).linted()


def test_collections_wait_until_the_work_is_done() -> None:
    assert gc.isenabled()
    with collections_deferred():
        assert not gc.isenabled()
        with collections_deferred():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_settling_keeps_what_lives_out_of_later_collections() -> None:
    survivor: list[list[int]] = [[]]
    try:
        settle()
        assert gc.get_freeze_count() > 0
        # A full collection walks the objects in the generations, no longer these.
        assert not any(obj is survivor for obj in gc.get_objects())
        later: list[list[int]] = [[]]
        assert any(obj is later for obj in gc.get_objects())
    finally:
        gc.unfreeze()


def test_collections_come_back_after_a_failure() -> None:
    with pytest.raises(RuntimeError), collections_deferred():
        raise RuntimeError("a lint failed")
    assert gc.isenabled()


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Counts go to kept workers, as in the server, and nothing is cached."""
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_kept", tokens._Kept())
    monkeypatch.setattr(tokens, "_memory", {})
    tokens.set_cache_dir(None)
    tokens.keep_workers()
    yield
    tokens.stop_kept_workers()
    tokens.set_cache_dir(Path(os.environ["LLMOPS_LS_CACHE_DIR"]))


async def test_an_idle_count_worker_is_stopped_and_started_again_on_need(
    kept: None,
) -> None:
    text = "Keep handlers small, typed and tested. " * 40
    expected = tokens.count_tokens(text)
    (worker,) = tokens._kept.workers.values()  # type: ignore[union-attr]
    process = worker._process
    assert process is not None
    assert tokens.kept_workers() == {tokens.DEFAULT_ENCODING}
    assert tokens.loaded_encodings() == frozenset()
    releaser = EncodingReleaser(idle_seconds=0.02)

    releaser.watch()
    await asyncio.sleep(0.2)

    assert tokens.kept_workers() == frozenset()
    assert process.poll() is not None
    tokens._memory.clear()
    assert tokens.count_tokens(text) == expected
    assert tokens.kept_workers() == {tokens.DEFAULT_ENCODING}
    assert tokens.loaded_encodings() == frozenset()
    releaser.close()


async def test_a_worker_in_use_is_kept(kept: None) -> None:
    releaser = EncodingReleaser(idle_seconds=0.3)
    releaser.follow_loads(asyncio.get_running_loop())
    try:
        for round_number in range(6):
            tokens.count_tokens(f"Round {round_number}: run the tests first.")
            await asyncio.sleep(0.1)
        assert tokens.kept_workers() == {tokens.DEFAULT_ENCODING}
    finally:
        releaser.close()


def test_replaced_versions_of_an_edited_file_leave_no_cyclic_garbage(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\nUse tabs.\n")
    claude = tmp_path / "CLAUDE.md"
    text = "# Project\n\nSee @docs/guide.md\n\n" + "".join(
        f"## Part {i}\n\n- Always run the tests of part {i}.\n\n" for i in range(50)
    )
    claude.write_text(text, encoding="utf-8")
    project = Project(tmp_path)
    project.reload_settings()
    project.set_overlay(claude, text)
    project.lint(claude)

    gc.collect()
    gc.disable()
    try:
        for version in range(10):
            project.set_overlay(claude, text + "x" * (version % 2))
            project.lint(claude)
        unreachable = gc.collect()
    finally:
        gc.enable()

    assert unreachable == 0


def test_files_depend_on_what_their_shared_answers_read(tmp_path: Path) -> None:
    rules = tmp_path / ".cursor" / "rules"
    rules.mkdir(parents=True)
    names = [f"r{i}.mdc" for i in range(4)]
    for name in names:
        (rules / name).write_text(
            "---\ndescription: Style\nalwaysApply: true\n---\nUse tabs.\n",
            encoding="utf-8",
        )
    project = Project(tmp_path)
    project.reload_settings()
    for name in names:
        project.lint(rules / name)

    first = (rules / names[0]).resolve()
    others = {(rules / name).resolve() for name in names[1:]}
    assert project.dependents([first]) == others

    project.forget(first)
    assert first not in project.dependents([rules / names[1]])


async def test_a_worker_started_off_the_loop_is_stopped_when_idle(
    kept: None,
) -> None:
    # As when a lint in a worker thread starts it: no lint calls `watch`.
    releaser = EncodingReleaser(idle_seconds=0.02)
    releaser.follow_loads(asyncio.get_running_loop())
    try:
        await asyncio.to_thread(tokens.warm)
        assert tokens.kept_workers() == {tokens.DEFAULT_ENCODING}
        for _ in range(500):
            if not tokens.kept_workers():
                break
            await asyncio.sleep(0.01)
        assert tokens.kept_workers() == frozenset()
    finally:
        releaser.close()


def test_an_encoding_loaded_here_is_used_before_a_worker(kept: None) -> None:
    # The assistant loads the vocabulary into the server, to count on every keystroke.
    tokens.preload()

    tokens.count_tokens("Prefer small modules.")

    assert tokens.loaded_encodings() == {tokens.DEFAULT_ENCODING}
    assert tokens.kept_workers() == frozenset()


async def test_a_closed_releaser_no_longer_follows_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_load_listeners", [])
    releaser = EncodingReleaser(idle_seconds=0.02)
    releaser.follow_loads(asyncio.get_running_loop())
    assert len(tokens._load_listeners) == 1

    releaser.close()

    assert tokens._load_listeners == []


def test_a_listener_whose_loop_has_closed_drops_out_and_counting_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server that ended without `shutdown` leaves its releaser subscribed.
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_load_listeners", [])
    loop = asyncio.new_event_loop()
    releaser = EncodingReleaser(idle_seconds=0.02)
    releaser.follow_loads(loop)
    loop.close()

    tokens.preload()

    assert tokens.loaded_encodings() == frozenset({tokens.DEFAULT_ENCODING})
    assert tokens._load_listeners == []


def test_a_failing_load_listener_is_logged_and_the_load_stands(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_load_listeners", [])
    seen: list[str] = []

    def broken(encoding: str) -> None:
        raise RuntimeError("listener broke")

    tokens.on_load(broken)
    tokens.on_load(seen.append)

    tokens.preload()

    assert tokens.loaded_encodings() == frozenset({tokens.DEFAULT_ENCODING})
    assert seen == [tokens.DEFAULT_ENCODING]
    assert "load listener failed" in caplog.text


#: The server with count workers stopped after 0.2 s unused instead of ten minutes.
SHORT_IDLE_COMMAND = [
    sys.executable,
    "-c",
    "import functools\n"
    "from llmops_ls.lsp import diagnostics, memory\n"
    "diagnostics.EncodingReleaser = functools.partial(\n"
    "    memory.EncodingReleaser, idle_seconds=0.2\n"
    ")\n"
    "from llmops_ls.cli import main\n"
    "raise SystemExit(main(['serve']))",
]


def _large_rule(paragraphs: int) -> str:
    body = "".join(
        f"## Area {i}\n\nKeep the handlers of area {i} small, typed and tested.\n\n"
        for i in range(paragraphs)
    )
    return f"---\ndescription: Areas\nglobs: src/**\n---\n# Areas\n\n{body}"


async def _stops(client: LanguageClient, at_least: int) -> list[str]:
    stopped: list[str] = []
    for _ in range(1000):
        stopped = [m.message for m in client.log_messages if "worker for" in m.message]
        if len(stopped) >= at_least:
            break
        await asyncio.sleep(0.02)
    return stopped


async def test_the_server_stops_the_count_worker_of_a_file_no_longer_typed_into(
    root: Path,
) -> None:
    config = ClientServerConfig(
        server_command=SHORT_IDLE_COMMAND, server_env=SERVER_ENV
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda ls, params: None)
    try:
        path = root / ".cursor" / "rules" / "areas.mdc"
        await start(client, root, {".cursor/rules/areas.mdc": _large_rule(600)})
        uri = open_file(client, path)
        await wait_for_diagnostics(
            client, uri, lambda d: any(x.code == "LL501" for x in d)
        )
        assert len(await _stops(client, 1)) == 1

        # The next edit needs a new count: the worker starts again, then stops again.
        edited = _large_rule(700)
        replace_all(client, uri, edited, version=2)
        tokens.set_cache_dir(None)
        body = edited[edited.index("# Areas") :]
        expected = f"{tokens.count_tokens(body):,} tokens"
        await wait_for_diagnostics(
            client,
            uri,
            lambda d: any(x.code == "LL501" and expected in x.message for x in d),
        )
        stopped = await _stops(client, 2)
    finally:
        await client.shutdown_session()

    assert len(stopped) == 2
    suffix = f"worker for {tokens.DEFAULT_ENCODING} stopped after 0 s unused"
    assert all(message.endswith(suffix) for message in stopped), stopped
