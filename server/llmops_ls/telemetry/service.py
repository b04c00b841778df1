"""Telemetry for one running server: the writer, periodic upload and retention.

`TelemetryService.start` is what the application wires: it resolves attribution,
opens the store, and (with an endpoint in the policy) starts a thread that uploads every
`flush_interval_seconds` and applies retention. `close` writes what is queued and makes
one last bounded upload attempt (`shutdown_timeout_seconds`); whatever is left stays in
the store for the next start or `llmops-ls flush`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from llmops_ls.config.policy import Policy
from llmops_ls.telemetry import attribution
from llmops_ls.telemetry.events import Attribution, RulesFile
from llmops_ls.telemetry.store import TelemetryStore, default_store_path
from llmops_ls.telemetry.uploader import Uploader, UploadSettings
from llmops_ls.telemetry.writer import TelemetryWriter

logger = logging.getLogger(__name__)


def store_path(policy: Policy, environ: Mapping[str, str] | None = None) -> Path:
    """Where the store lives: `$LLMOPS_TELEMETRY_DB`, else the policy's
    `store_path`, else the default under `$XDG_STATE_HOME`."""
    env = dict(os.environ if environ is None else environ)
    if policy.telemetry.store_path and not env.get("LLMOPS_TELEMETRY_DB"):
        return Path(os.path.expanduser(policy.telemetry.store_path))
    return default_store_path(env)


def attribution_for(
    policy: Policy,
    root: Path | None,
    project_team: str | None,
    project_name: str | None,
    environ: Mapping[str, str] | None = None,
) -> Attribution:
    """Who and what requests from `root` are attributed to, from every layer."""
    config = policy.telemetry
    return attribution.resolve(
        attribution.AttributionDefaults(
            policy_team=config.team,
            policy_project=config.project,
            team_locked=policy.is_locked("telemetry.team"),
            project_locked=policy.is_locked("telemetry.project"),
            project_file_team=project_team,
            project_file_project=project_name,
        ),
        root,
        environ,
    )


class TelemetryService:
    """The writer handed to routing and the gateway, plus background upload."""

    def __init__(
        self,
        policy: Policy,
        writer: TelemetryWriter,
        settings: UploadSettings | None,
    ) -> None:
        self.policy = policy
        self.writer = writer
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._uploader: Uploader | None = None

    @classmethod
    def start(
        cls,
        policy: Policy,
        root: Path | None = None,
        *,
        project_team: str | None = None,
        project_name: str | None = None,
        rules_files: tuple[RulesFile, ...] = (),
        environ: Mapping[str, str] | None = None,
    ) -> TelemetryService:
        """Open the store and start the writer (and uploader, with an endpoint)."""
        config = policy.telemetry
        who = attribution_for(policy, root, project_team, project_name, environ)
        writer = TelemetryWriter(
            store_path(policy, environ),
            attribution=who,
            rules_files=rules_files,
            store_text=config.store_text,
        )
        service = cls(policy, writer, UploadSettings.from_policy(config, environ))
        service._thread = threading.Thread(
            target=service._run, name="llmops-telemetry-upload", daemon=True
        )
        service._thread.start()
        return service

    def _run(self) -> None:
        config = self.policy.telemetry
        store = TelemetryStore(self.writer.path)
        if self.settings is not None:
            self._uploader = Uploader(store, self.settings)
        try:
            while not self._stop.wait(config.flush_interval_seconds):
                self._cycle(store, config.flush_interval_seconds)
        finally:
            if self._uploader is not None:
                self._uploader.close()
            store.close()

    def _cycle(self, store: TelemetryStore, budget_seconds: float) -> None:
        config = self.policy.telemetry
        try:
            if self._uploader is not None:
                self._uploader.flush(deadline_seconds=budget_seconds)
            store.prune(
                config.retention_days,
                int(config.max_store_mb * 1024 * 1024),
                config.max_unsent_events,
                uploading=self._uploader is not None,
            )
        except Exception:
            logger.exception("telemetry upload or retention failed; will try again")

    def close(self) -> None:
        """Write the queue, try one last upload within the shutdown budget, stop."""
        deadline = time.monotonic() + self.policy.telemetry.shutdown_timeout_seconds

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        self.writer.flush(timeout_seconds=left())
        self._stop.set()
        if self._thread is not None:
            self._thread.join(left())
        if self.settings is not None and left() > 0:
            with TelemetryStore(self.writer.path) as store:
                uploader = Uploader(store, self.settings)
                try:
                    uploader.flush(deadline_seconds=left())
                except Exception:
                    logger.exception("last telemetry upload failed; events stay local")
                finally:
                    uploader.close()
        # Whatever is queued still goes to the local store, the budget spent or not.
        self.writer.close(timeout_seconds=max(left(), 1.0))
