"""Budget windows and where spend is read from.

Spend is read through `SpendSource`, which the telemetry store implements from recorded
costs; `InMemorySpend` serves tests and dry runs. Windows (the developer's day, the
team's month) start at midnight in the policy's time zone.
"""

from __future__ import annotations

import datetime
import enum
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
