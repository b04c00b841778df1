"""Budgets are checked for whom telemetry attributes the request to."""

from __future__ import annotations

from pathlib import Path

from llmops_ls.assistant_wiring import build_assistant
from llmops_ls.config.policy import DEFAULT_POLICY_PATH, parse_policy
from llmops_ls.routing.budgets import InMemorySpend
from llmops_ls.routing.recording import FeedbackRecord, RequestRecord
from llmops_ls.routing.router import Caller


class _Sink:
    def record_request(self, record: RequestRecord) -> None:
        del record

    def record_feedback(self, record: FeedbackRecord) -> None:
        del record


def _caller(tmp_path: Path, policy_text: str, environ: dict[str, str]) -> Caller:
    (tmp_path / ".llmops.toml").write_text('team = "payments"\n', encoding="utf-8")
    loaded = parse_policy(policy_text, tmp_path / "policy.toml")
    assistant = build_assistant(
        environ, loaded=loaded, sink=_Sink(), spend=InMemorySpend(), root=tmp_path
    )
    return assistant.caller


def test_in_a_cde_the_owner_and_the_project_team_are_the_caller(
    tmp_path: Path,
) -> None:
    environ = {"USER": "coder", "CODER_WORKSPACE_OWNER_NAME": "alice"}
    caller = _caller(tmp_path, DEFAULT_POLICY_PATH.read_text(), environ)
    assert caller == Caller("alice", "payments")


def test_a_team_the_policy_locks_is_the_callers_whatever_the_environment(
    tmp_path: Path,
) -> None:
    policy = (
        DEFAULT_POLICY_PATH.read_text().replace(
            'locked = ["content_filter"]',
            'locked = ["content_filter", "telemetry.team"]',
        )
        + '\n[telemetry]\nteam = "platform"\n'
    )
    environ = {"USER": "bob", "LLMOPS_TEAM": "sneaky"}
    assert _caller(tmp_path, policy, environ) == Caller("bob", "platform")
