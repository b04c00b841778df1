"""`llmops-ls flush` and `llmops-ls report`: the command-line ends of telemetry."""

from __future__ import annotations

import datetime
import logging
import re
import sqlite3
import sys
from pathlib import Path
from typing import IO

from llmops_ls.config.policy import load_policy
from llmops_ls.errors import UnreadableStoreError, UsageError
from llmops_ls.telemetry.service import store_path
from llmops_ls.telemetry.store import TelemetryStore
from llmops_ls.telemetry.uploader import Uploader, UploadSettings

logger = logging.getLogger(__name__)

_RELATIVE = re.compile(r"^(\d+)([hdw])$")


def flush(stdout: IO[str], deadline_seconds: float = 60.0) -> int:
    """Upload pending events now; 0 when nothing is left pending, 1 otherwise."""
    policy = load_policy().policy
    path = store_path(policy)
    settings = UploadSettings.from_policy(policy.telemetry)
    with TelemetryStore(path) as store:
        if settings is None:
            counts = store.counts()
            stdout.write(
                f"no telemetry endpoint in the policy: {counts.unsent_events} events "
                f"and {counts.unsent_outcomes} outcomes stay local in {path}\n"
            )
            return 0
        uploader = Uploader(store, settings)
        try:
            result = uploader.flush(deadline_seconds=deadline_seconds)
        finally:
            uploader.close()
        dropped = store.counts().dropped_unsent
    stdout.write(
        f"sent {result.sent_events} events and {result.sent_outcomes} outcomes to "
        f"{settings.endpoint} in {result.requests} requests "
        f"({result.bytes_sent} bytes, {result.retries} retries, "
        f"{result.rejected} rejected by the collector)\n"
        f"pending: {result.pending_events} events, {result.pending_outcomes} outcomes"
        + (f" (stopped: {result.stopped})" if result.stopped else "")
        + "\n"
    )
    if dropped:
        stdout.write(f"dropped at the store's hard cap, never sent: {dropped} events\n")
    return 0 if not (result.pending_events or result.pending_outcomes) else 1


def parse_since(value: str | None, now: datetime.datetime) -> float | None:
    """`--since`: `7d`, `12h`, `2w`, or an ISO date; epoch seconds, or None for all."""
    if not value:
        return None
    match = _RELATIVE.match(value.strip())
    if match:
        amount, unit = int(match[1]), match[2]
        hours = {"h": 1, "d": 24, "w": 24 * 7}[unit] * amount
        return (now - datetime.timedelta(hours=hours)).timestamp()
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--since {value!r}: give a duration (7d, 12h, 2w) or a date (2025-06-01)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def report(
    stdout: IO[str],
    since: str | None,
    output_format: str,
    stderr: IO[str] | None = None,
) -> int:
    """Print the report of the local store in `text`, `json` or `html`.

    The store is read as it is, never created nor migrated: the language server may
    be writing it and an older llmops-ls may still use it. No store yet gives an
    empty report and a note on `stderr`; a store that cannot be read raises
    `UnreadableStoreError`.
    """
    from llmops_ls.telemetry.report import build_report, render_json, render_text

    policy = load_policy().policy
    now = datetime.datetime.now(datetime.UTC)
    start = parse_since(since, now)
    path = store_path(policy)

    store = _open_for_report(path)
    if store is None:
        (stderr or sys.stderr).write(
            f"llmops-ls: no telemetry store at {path}: nothing recorded yet, "
            "so the report is empty\n"
        )
        # The report of a store with nothing in it, made in memory only.
        store = TelemetryStore(":memory:")
    with store:
        built = build_report(store, start, now)

    if output_format == "json":
        stdout.write(render_json(built))
    elif output_format == "html":
        from llmops_ls.telemetry.report_html import render_html

        stdout.write(render_html(built))
    else:
        stdout.write(render_text(built))
    return 0


def _open_for_report(path: Path) -> TelemetryStore | None:
    """The store at `path` opened read-only; None when it holds nothing yet."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            # Absent, or created by a server this very moment and not set up yet.
            return None
        return TelemetryStore(path, read_only=True)
    except RuntimeError as exc:  # too new to use, or no llmops-ls store at all
        raise UnreadableStoreError(str(exc)) from exc
    except (OSError, sqlite3.Error) as exc:
        raise UnreadableStoreError(
            f"telemetry store {path} cannot be read: {exc}"
        ) from exc
