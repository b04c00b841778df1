"""Budget windows and where spend is read from.

Spend is read through `SpendSource`, which the telemetry store implements from recorded
costs; `InMemorySpend` serves tests and dry runs. Windows (the developer's day, the
team's month) start at midnight in the policy's time zone.

Summing a window's costs in the store takes longer the more requests it holds, and a
busy developer makes thousands a day: `CachedSpend` reads each window's total once per
`refresh_seconds` and adds what this process spends in between, so a request's budget
check costs a dictionary look-up.
"""

from __future__ import annotations

import datetime
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo


class BudgetScope(enum.StrEnum):
    """Which budget a limit belongs to."""

    DEVELOPER_DAILY = "developer_daily"
    TEAM_MONTHLY = "team_monthly"

    @property
    def label(self) -> str:
        """How messages name the budget."""
        return {
            BudgetScope.DEVELOPER_DAILY: "developer daily budget",
            BudgetScope.TEAM_MONTHLY: "team monthly budget",
        }[self]


class SpendSource(Protocol):
    """Money already spent by a developer or a team within a window."""

    def spent(
        self,
        scope: BudgetScope,
        subject: str,
        start: datetime.datetime,
        end: datetime.datetime,
    ) -> float:
        """Total cost recorded for `subject` (a developer or a team) in [start, end)."""
        ...


@dataclass(frozen=True, slots=True)
class SpendEntry:
    """One recorded cost."""

    developer: str
    team: str | None
    at: datetime.datetime
    cost: float


@dataclass
class InMemorySpend:
    """A `SpendSource` over a list of entries (tests and dry runs)."""

    entries: list[SpendEntry] = field(default_factory=list)

    def add(self, entry: SpendEntry) -> None:
        """Record one cost."""
        self.entries.append(entry)

    def spent(
        self,
        scope: BudgetScope,
        subject: str,
        start: datetime.datetime,
        end: datetime.datetime,
    ) -> float:
        """Sum the entries of `subject` in [start, end)."""
        return sum(
            e.cost
            for e in self.entries
            if start <= e.at < end
            and (e.developer if scope is BudgetScope.DEVELOPER_DAILY else e.team)
            == subject
        )


@dataclass(slots=True)
class _Total:
    amount: float
    read_at: float


class CachedSpend:
    """A `SpendSource` that rereads its source's totals only every `refresh_seconds`.

    Costs spent by this process reach it through `add` at once; costs recorded by
    other processes sharing the store count from the next refresh on.
    """

    def __init__(
        self,
        source: SpendSource,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._totals: dict[
            tuple[BudgetScope, str, datetime.datetime, datetime.datetime], _Total
        ] = {}

    def spent(
        self,
        scope: BudgetScope,
        subject: str,
        start: datetime.datetime,
        end: datetime.datetime,
    ) -> float:
        """The window's total: the source's as last read, plus what was added since."""
        key = (scope, subject, start, end)
        now = self._clock()
        total = self._totals.get(key)
        if total is None or now - total.read_at >= self.refresh_seconds:
            if total is None:
                # A new window: the ones that ended can go.
                self._totals = {k: t for k, t in self._totals.items() if k[3] > start}
            total = _Total(self.source.spent(scope, subject, start, end), now)
            self._totals[key] = total
        return total.amount

    def add(self, entry: SpendEntry) -> None:
        """Count a cost this process has just recorded in its source."""
        for (scope, subject, start, end), total in self._totals.items():
            who = (
                entry.developer if scope is BudgetScope.DEVELOPER_DAILY else entry.team
            )
            if who == subject and start <= entry.at < end:
                total.amount += entry.cost


def window(
    scope: BudgetScope, now: datetime.datetime, zone: ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """The [start, end) of the budget window containing `now`; end is the reset."""
    local = now.astimezone(zone)
    if scope is BudgetScope.DEVELOPER_DAILY:
        start_date = local.date()
        end_date = start_date + datetime.timedelta(days=1)
    else:
        start_date = local.date().replace(day=1)
        end_date = (start_date + datetime.timedelta(days=32)).replace(day=1)
    return _midnight(start_date, zone), _midnight(end_date, zone)


def _midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
