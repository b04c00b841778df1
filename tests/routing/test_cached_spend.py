"""CachedSpend: the store's totals read once per refresh, this process's costs added."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from llmops_ls.routing.budgets import (
    BudgetScope,
    CachedSpend,
    InMemorySpend,
    SpendEntry,
    window,
)

UTC = ZoneInfo("UTC")
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = BudgetScope.DEVELOPER_DAILY
MONTH = BudgetScope.TEAM_MONTHLY


class CountingSpend(InMemorySpend):
    """An in-memory source that counts how often it is read."""

    reads: int = 0

    def spent(
        self,
        scope: BudgetScope,
        subject: str,
        start: datetime.datetime,
        end: datetime.datetime,
    ) -> float:
        self.reads += 1
        return super().spent(scope, subject, start, end)


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_source_is_read_once_per_refresh_and_own_costs_count_at_once() -> None:
    source = CountingSpend([SpendEntry("alice", "payments", NOW, 2.0)])
    clock = Clock()
    cached = CachedSpend(source, refresh_seconds=60, clock=clock)
    start, end = window(DAY, NOW, UTC)

    assert cached.spent(DAY, "alice", start, end) == 2.0
    entry = SpendEntry("alice", "payments", NOW, 0.5)
    source.add(entry)
    cached.add(entry)
    clock.now = 59
    assert cached.spent(DAY, "alice", start, end) == 2.5
    assert source.reads == 1

    # Another process spent meanwhile: seen at the refresh, nothing counted twice.
    source.add(SpendEntry("alice", "payments", NOW, 1.0))
    clock.now = 60
    assert cached.spent(DAY, "alice", start, end) == 3.5
    assert source.reads == 2


def test_added_cost_counts_only_for_its_subject_and_window() -> None:
    source = CountingSpend()
    cached = CachedSpend(source, clock=Clock())
    day = window(DAY, NOW, UTC)
    month = window(MONTH, NOW, UTC)
    assert cached.spent(DAY, "alice", *day) == 0.0
    assert cached.spent(DAY, "bob", *day) == 0.0
    assert cached.spent(MONTH, "payments", *month) == 0.0

    cached.add(SpendEntry("alice", "payments", NOW, 1.25))
    cached.add(SpendEntry("alice", "payments", NOW - datetime.timedelta(days=1), 9.0))

    assert cached.spent(DAY, "alice", *day) == 1.25
    assert cached.spent(DAY, "bob", *day) == 0.0
    assert cached.spent(MONTH, "payments", *month) == 10.25


def test_a_new_window_is_read_from_the_source() -> None:
    tomorrow = NOW + datetime.timedelta(days=1)
    source = CountingSpend([SpendEntry("alice", None, tomorrow, 4.0)])
    cached = CachedSpend(source, clock=Clock())

    assert cached.spent(DAY, "alice", *window(DAY, NOW, UTC)) == 0.0
    assert cached.spent(DAY, "alice", *window(DAY, tomorrow, UTC)) == 4.0
    assert source.reads == 2
