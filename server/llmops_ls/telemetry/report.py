"""`llmops-ls report`: requests, acceptance, tokens, cost and latency from the store.

Acceptance rate is the share of decided completions (accepted, partially accepted,
rejected, ignored) that were accepted in whole or in part; a request without a
decision does not count either way. Percentiles are nearest-rank.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from llmops_ls.telemetry.store import TelemetryStore

#: What the report reads of each request, in this order. All exist since schema 1;
#: one a later schema adds must be nullable, and reads as NULL from an older store
#: (a report reads the store as it is, see `build_report`).
_COLUMNS = ("started_at", "kind", "tier", "model_served", "model_requested", "status",
            "input_tokens", "output_tokens", "cost", "latency_ms", "ttft_ms",
            "outcome", "rules_version")  # fmt: skip
_ACCEPTED = ("accepted", "partially_accepted")
_DECIDED = (*_ACCEPTED, "rejected", "ignored")
#: Upper bounds (ms) of the latency histogram's bars; the last is open-ended.
LATENCY_BOUNDS_MS = (100, 200, 400, 800, 1600, 3200, 6400, 12800)


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Figures for one group of requests (a tier, a model, a day ...)."""

    key: str
    requests: int
    errors: int
    decided: int
    accepted: int
    acceptance_rate: float | None
    input_tokens: int
    output_tokens: int
    cost: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    ttft_p50_ms: float | None
    ttft_p95_ms: float | None


@dataclass(frozen=True, slots=True)
class Report:
    """The whole report: totals, groups, and the latency histogram."""

    since: str | None
    generated: str
    total: GroupStats
    by_tier: list[GroupStats]
    by_model: list[GroupStats]
    by_model_tier: list[GroupStats]
    by_kind: list[GroupStats]
    by_day: list[GroupStats]
    by_rules_version: list[GroupStats]
    latency_histogram: list[tuple[str, int]]
    dropped_unsent: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)


class _Group:
    __slots__ = ("accepted", "cost", "decided", "errors", "input", "latency",
                 "output", "requests", "ttft")  # fmt: skip

    def __init__(self) -> None:
        self.requests = self.errors = self.decided = self.accepted = 0
        self.input = self.output = 0
        self.cost = 0.0
        self.latency: list[float] = []
        self.ttft: list[float] = []

    def add(self, row: tuple[Any, ...]) -> None:
        (_, _, _, _, _, status, tokens_in, tokens_out, cost, latency, ttft,
         outcome, _) = row  # fmt: skip
        self.requests += 1
        self.errors += status == "error"
        self.input += tokens_in
        self.output += tokens_out
        self.cost += cost
        if latency is not None:
            self.latency.append(latency)
        if ttft is not None:
            self.ttft.append(ttft)
        if outcome in _DECIDED:
            self.decided += 1
            self.accepted += outcome in _ACCEPTED

    def stats(self, key: str) -> GroupStats:
        self.latency.sort()
        self.ttft.sort()
        return GroupStats(
            key=key,
            requests=self.requests,
            errors=self.errors,
            decided=self.decided,
            accepted=self.accepted,
            acceptance_rate=self.accepted / self.decided if self.decided else None,
            input_tokens=self.input,
            output_tokens=self.output,
            cost=round(self.cost, 6),
            latency_p50_ms=percentile(self.latency, 50),
            latency_p95_ms=percentile(self.latency, 95),
            ttft_p50_ms=percentile(self.ttft, 50),
            ttft_p95_ms=percentile(self.ttft, 95),
        )


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list, or None when it is empty."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 3)


def build_report(
    store: TelemetryStore, since: float | None, now: datetime.datetime | None = None
) -> Report:
    """Aggregate the store's requests started at or after `since` (all if None).

    The store may be at an older schema than this release's (a report never
    migrates): a column it does not have yet is read as missing.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    sql = f"SELECT {_select_list(store)} FROM events"
    params: tuple[Any, ...] = ()
    if since is not None:
        sql += " WHERE started_at >= ?"
        params = (since,)
    total = _Group()
    groupings: dict[str, Callable[[tuple[Any, ...]], str]] = {
        "tier": lambda r: r[2] or "(none)",
        "model": lambda r: r[3] or r[4] or "(none)",
        "model_tier": lambda r: f"{r[3] or r[4] or '(none)'} · {r[2] or '(none)'}",
        "kind": lambda r: r[1],
        "day": lambda r: _day(r[0]),
        "rules": lambda r: r[12] or "(no rules files)",
    }
    groups: dict[str, dict[str, _Group]] = {name: {} for name in groupings}
    histogram = [0] * (len(LATENCY_BOUNDS_MS) + 1)
    for row in store.conn.execute(sql, params):
        total.add(row)
        for name, key_of in groupings.items():
            key = key_of(row)
            group = groups[name].get(key)
            if group is None:
                group = groups[name][key] = _Group()
            group.add(row)
        if row[9] is not None:
            histogram[_bucket(row[9])] += 1

    def ordered(name: str, by_key: bool = False) -> list[GroupStats]:
        items = [g.stats(k) for k, g in groups[name].items()]
        if by_key:
            return sorted(items, key=lambda s: s.key)
        return sorted(items, key=lambda s: (-s.requests, s.key))

    labels = [f"≤{b}" for b in LATENCY_BOUNDS_MS] + [f">{LATENCY_BOUNDS_MS[-1]}"]
    return Report(
        since=datetime.datetime.fromtimestamp(since, datetime.UTC).isoformat()
        if since is not None
        else None,
        generated=now.isoformat(timespec="seconds"),
        total=total.stats("all"),
        by_tier=ordered("tier"),
        by_model=ordered("model"),
        by_model_tier=ordered("model_tier"),
        by_kind=ordered("kind"),
        by_day=ordered("day", by_key=True),
        by_rules_version=ordered("rules"),
        latency_histogram=list(zip(labels, histogram, strict=True)),
        dropped_unsent=store.counts().dropped_unsent,
    )


def _select_list(store: TelemetryStore) -> str:
    present = {row[1] for row in store.conn.execute("PRAGMA table_info(events)")}
    return ", ".join(c if c in present else f"NULL AS {c}" for c in _COLUMNS)


def _day(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).date().isoformat()


def _bucket(latency_ms: float) -> int:
    for index, bound in enumerate(LATENCY_BOUNDS_MS):
        if latency_ms <= bound:
            return index
    return len(LATENCY_BOUNDS_MS)


def render_json(report: Report) -> str:
    """The report as indented JSON."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_text(report: Report) -> str:
    """The report as plain-text tables."""
    t = report.total
    period = f"since {report.since}" if report.since else "all time"
    lines = [
        f"llmops-ls telemetry report ({period})",
        f"requests {t.requests}  errors {t.errors}  "
        f"acceptance {_rate(t.acceptance_rate)} ({t.accepted}/{t.decided} decided)",
        f"tokens in {t.input_tokens}  out {t.output_tokens}  cost ${t.cost:.4f}",
        f"latency p50 {_ms(t.latency_p50_ms)}  p95 {_ms(t.latency_p95_ms)}  "
        f"first token p50 {_ms(t.ttft_p50_ms)}  p95 {_ms(t.ttft_p95_ms)}",
    ]
    if report.dropped_unsent:
        lines.append(f"dropped at the store's hard cap: {report.dropped_unsent} events")
    for title, groups in (
        ("tier", report.by_tier),
        ("model", report.by_model),
        ("kind", report.by_kind),
        ("day", report.by_day),
        ("rules version", report.by_rules_version),
    ):
        lines.append("")
        lines.extend(_table(title, groups))
    return "\n".join(lines) + "\n"


def _table(title: str, groups: Iterable[GroupStats]) -> list[str]:
    header = ("requests", "accept", "tok in", "tok out", "cost $", "p50 ms",
              "p95 ms", "ttft50")  # fmt: skip
    rows = [
        (
            g.key,
            str(g.requests),
            _rate(g.acceptance_rate),
            str(g.input_tokens),
            str(g.output_tokens),
            f"{g.cost:.4f}",
            _ms(g.latency_p50_ms),
            _ms(g.latency_p95_ms),
            _ms(g.ttft_p50_ms),
        )
        for g in groups
    ]
    width = max([len(title), *(len(r[0]) for r in rows)])
    out = [f"{title:<{width}}  " + "  ".join(f"{h:>8}" for h in header)]
    out.extend(f"{r[0]:<{width}}  " + "  ".join(f"{c:>8}" for c in r[1:]) for r in rows)
    return out


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
