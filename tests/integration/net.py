"""Which TCP connections are open, read from /proc/net/tcp (Linux)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path

_ESTABLISHED = "01"


def established_to(port: int) -> set[int]:
    """Local ports of established connections whose remote end is `port`."""
    found: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if state == _ESTABLISHED and int(remote.rsplit(":", 1)[1], 16) == port:
                found.add(int(local.rsplit(":", 1)[1], 16))
    return found


async def wait_until(
    predicate: Callable[[], bool], timeout_seconds: float, step_seconds: float = 0.001
) -> bool:
    """Poll `predicate` until it holds or the time is up; whether it held."""
    deadline = time.monotonic() + timeout_seconds
    for _ in itertools.count():
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step_seconds)
    return False  # pragma: no cover - the loop only ends by returning
