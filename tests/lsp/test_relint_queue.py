"""Files depending on an edited buffer are linted again once the edits pause."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from llmops_ls.lsp.relint_queue import RelintQueue

A, B, C = Path("/ws/a.md"), Path("/ws/b.md"), Path("/ws/c.md")


class _Diagnostics:
    def __init__(self) -> None:
        self.linted: list[Path] = []

    def relint(self, paths: Iterable[Path], project: Any) -> None:
        self.linted.extend(paths)


class _Project:
    root = Path("/ws")

    def __init__(self) -> None:
        self.readers = {A: {B, C}, B: {C}}
        self.asked: list[set[Path]] = []

    def dependents(self, changed: Iterable[Path]) -> set[Path]:
        changed = set(changed)
        self.asked.append(changed)
        return {r for path in changed for r in self.readers.get(path, ())}


class _Session:
    def __init__(self) -> None:
        self.diagnostics = _Diagnostics()
        self.project = _Project()
        self.projects = {_Project.root: self.project}


async def test_dependents_wait_for_a_pause_in_the_edits() -> None:
    session = _Session()
    queue = RelintQueue(session, quiet_seconds=0.05)  # type: ignore[arg-type]

    for _ in range(5):
        queue.changed(A, session.project)  # type: ignore[arg-type]
        await asyncio.sleep(0.02)
        assert session.diagnostics.linted == []
    await asyncio.sleep(0.2)

    assert sorted(session.diagnostics.linted) == [B, C]
    assert queue.pending == 0


async def test_dependents_are_looked_up_once_for_many_keystrokes() -> None:
    session = _Session()
    queue = RelintQueue(session, quiet_seconds=0.05)  # type: ignore[arg-type]

    for path in (A, B, A, A):
        queue.changed(path, session.project)  # type: ignore[arg-type]
    await asyncio.sleep(0.2)

    assert session.project.asked == [{A, B}]
    assert sorted(session.diagnostics.linted) == [B, C]


def test_without_an_event_loop_dependents_are_linted_at_once() -> None:
    session = _Session()
    queue = RelintQueue(session)  # type: ignore[arg-type]

    queue.changed(B, session.project)  # type: ignore[arg-type]

    assert session.diagnostics.linted == [C]
