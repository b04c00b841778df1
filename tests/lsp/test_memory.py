import asyncio
import gc
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from integration.upstream import Upstream
from llmops_ls.linter import tokens
from llmops_ls.lsp.memory import EncodingReleaser, HeapTrimmer, collections_deferred
from llmops_ls.lsp.project import Project
from lsp.assistant_helpers import assistant_server, gateway_url


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


def test_collections_come_back_after_a_failure() -> None:
    with pytest.raises(RuntimeError), collections_deferred():
        raise RuntimeError("a lint failed")
    assert gc.isenabled()


async def test_an_idle_encoding_is_released_and_the_heap_trimmed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_last_used", {})
    tokens.preload()
    trimmer = HeapTrimmer()
    recorder = _Recorder()
    trimmer._trim = recorder
    releaser = EncodingReleaser(trimmer, idle_seconds=0.02)

    releaser.watch()
    await asyncio.sleep(0.2)

    assert tokens.loaded_encodings() == frozenset()
    assert recorder.calls == [0]


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


async def test_an_encoding_loaded_off_the_loop_is_released_when_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As when the assistant is prepared in a worker thread: no lint calls `watch`.
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_last_used", {})
    trimmer = HeapTrimmer()
    trimmer._trim = _Recorder()
    releaser = EncodingReleaser(trimmer, idle_seconds=0.02)
    releaser.follow_loads(asyncio.get_running_loop())
    try:
        await asyncio.to_thread(tokens.preload)
        for _ in range(500):
            if not tokens.loaded_encodings():
                break
            await asyncio.sleep(0.01)
        assert tokens.loaded_encodings() == frozenset()
    finally:
        releaser.close()


async def test_a_closed_releaser_no_longer_follows_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_load_listeners", [])
    releaser = EncodingReleaser(HeapTrimmer(), idle_seconds=0.02)
    releaser.follow_loads(asyncio.get_running_loop())
    assert len(tokens._load_listeners) == 1

    releaser.close()

    assert tokens._load_listeners == []


def test_a_listener_whose_loop_has_closed_drops_out_and_counting_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server that ended without `shutdown` leaves its releaser subscribed.
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_last_used", {})
    monkeypatch.setattr(tokens, "_load_listeners", [])
    loop = asyncio.new_event_loop()
    releaser = EncodingReleaser(HeapTrimmer(), idle_seconds=0.02)
    releaser.follow_loads(loop)
    loop.close()

    tokens.preload()

    assert tokens.loaded_encodings() == frozenset({tokens.DEFAULT_ENCODING})
    assert tokens._load_listeners == []


def test_a_failing_load_listener_is_logged_and_the_load_stands(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_last_used", {})
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


#: The server with encodings released after 0.2 s unused instead of ten minutes.
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


async def test_the_server_releases_the_vocabulary_its_assistant_preparation_loaded(
    upstream: Upstream, root: Path, tmp_path: Path
) -> None:
    # An editor showing inline completions has the assistant prepared in a worker
    # thread: that load, not a lint, is what the server must notice and release.
    capabilities = client_capabilities("visual-studio-code")
    assert capabilities.text_document is not None
    capabilities.text_document.inline_completion = (
        types.InlineCompletionClientCapabilities()
    )
    async with assistant_server(
        root,
        gateway_url(upstream),
        extra_env={"LLMOPS_TELEMETRY_DB": str(tmp_path / "telemetry.db")},
        command=SHORT_IDLE_COMMAND,
        capabilities=capabilities,
    ) as client:
        released = None
        for _ in range(750):
            released = next(
                (
                    m.message
                    for m in client.log_messages
                    if f"token encoding {tokens.DEFAULT_ENCODING} released" in m.message
                ),
                None,
            )
            if released is not None:
                break
            await asyncio.sleep(0.02)
        logged = [m.message for m in client.log_messages]

    assert any("assistant ready" in message for message in logged)
    assert released is not None, logged
