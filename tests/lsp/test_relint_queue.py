"""Files depending on an edited buffer are linted again once the edits pause."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from llmops_ls.lsp.relint_queue import RelintQueue


class _Diagnostics:
    def __init__(self) -> None:
        self.linted: list[Path] = []

    def relint(self, paths: Any, project: Any) -> None:
        self.linted.extend(paths)


class _Project:
    root = Path("/ws")


class _Session:
    def __init__(self) -> None:
        self.diagnostics = _Diagnostics()
        self.projects = {_Project.root: _Project()}


async def test_dependents_wait_for_a_pause_in_the_edits() -> None:
    session = _Session()
    queue = RelintQueue(session, quiet_seconds=0.05)  # type: ignore[arg-type]
    project: Any = _Project()

    for _ in range(5):
        queue.add([Path("/ws/a.md"), Path("/ws/b.md")], project)
        await asyncio.sleep(0.02)
        assert session.diagnostics.linted == []
    await asyncio.sleep(0.2)

    assert sorted(session.diagnostics.linted) == [Path("/ws/a.md"), Path("/ws/b.md")]
    assert queue.pending == 0


async def test_an_edit_with_no_dependents_still_puts_the_queue_off() -> None:
    session = _Session()
    queue = RelintQueue(session, quiet_seconds=0.05)  # type: ignore[arg-type]
    project: Any = _Project()

    queue.add([Path("/ws/a.md")], project)
    for _ in range(5):
        await asyncio.sleep(0.02)
        queue.add([], project)
    assert session.diagnostics.linted == []
    await asyncio.sleep(0.2)

    assert session.diagnostics.linted == [Path("/ws/a.md")]


def test_without_an_event_loop_dependents_are_linted_at_once() -> None:
    session = _Session()
    queue = RelintQueue(session)  # type: ignore[arg-type]

    queue.add([Path("/ws/a.md")], _Project())  # type: ignore[arg-type]

    assert session.diagnostics.linted == [Path("/ws/a.md")]
