"""Every request the assistant sends leaves one telemetry row, however it ends."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.helpers import chat_answer, make_client
from gateway.test_assistant_suffix import MINI, NOW, Records
from llmops_ls.config.policy import parse_policy
from llmops_ls.errors import SecretBlockedError, ServerError
from llmops_ls.gateway.assistant import Assistant
from llmops_ls.routing.features import Message
from llmops_ls.routing.recording import RequestRecord
from llmops_ls.routing.router import Caller, Router
from llmops_ls.telemetry.store import TelemetryStore
from llmops_ls.telemetry.writer import TelemetryWriter

SECRET = "AKIA" + "Z7Q3XKLM4PN2RB5T"


def _assistant(handler: object, sink: Records, action: str = "redact") -> Assistant:
    policy = parse_policy(
        f'[tiers.fast]\nmodels = ["{MINI}"]\n', Path("p.toml"), NOW.date()
    ).policy
    return Assistant(
        Router(policy),
        make_client(handler, action=action),  # type: ignore[arg-type]
        Caller("dev"),
        sink=sink,
        count=len,
        clock=lambda: NOW,
    )


async def test_a_failed_request_records_the_secrets_it_had_redacted() -> None:
    sink = Records()
    assistant = _assistant(lambda request: httpx.Response(500), sink)
    with pytest.raises(ServerError):
        await assistant.chat([Message("user", f"deploy with {SECRET}")])
    (row,) = sink.requests
    assert (row.outcome, row.redactions) == ("error", 1)


async def test_a_blocked_request_records_the_secrets_that_blocked_it() -> None:
    sink = Records()
    assistant = _assistant(lambda request: httpx.Response(500), sink, "block")
    with pytest.raises(SecretBlockedError):
        await assistant.chat([Message("user", f"deploy with {SECRET}")])
    (row,) = sink.requests
    assert (row.outcome, row.redactions) == ("filtered", 1)


async def test_an_unexpected_error_still_leaves_a_row() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug below the client")

    sink = Records()
    with pytest.raises(RuntimeError):
        await _assistant(handler, sink).chat([Message("user", "hello")])
    (row,) = sink.requests
    assert (row.outcome, row.error) == ("error", "RuntimeError")


@pytest.mark.parametrize("store_text", [True, False])
async def test_text_travels_with_the_record_only_when_the_policy_keeps_it(
    store_text: bool,
) -> None:
    policy = parse_policy(
        f'[tiers.fast]\nmodels = ["{MINI}"]\n'
        f"[telemetry]\nstore_text = {'true' if store_text else 'false'}\n",
        Path("p.toml"),
        NOW.date(),
    ).policy
    sink = Records()
    assistant = Assistant(
        Router(policy),
        make_client(lambda request: httpx.Response(200, json=chat_answer("42"))),
        Caller("dev"),
        sink=sink,
        count=len,
        clock=lambda: NOW,
    )
    await assistant.chat([Message("user", "What is six times seven?")])
    (row,) = sink.requests
    if store_text:
        assert row.prompt_text is not None and "six times seven" in row.prompt_text
        assert row.completion_text == "42"
    else:
        assert (row.prompt_text, row.completion_text) == (None, None)


def test_kept_text_is_written_without_its_secrets(tmp_path: Path) -> None:
    writer = TelemetryWriter(tmp_path / "t.db", store_text=True, interval_seconds=0.02)
    writer.record_request(
        RequestRecord(
            "r1",
            "dev",
            None,
            "chat",
            "fast",
            MINI,
            "ok",
            prompt_text=f"deploy with {SECRET}",
            completion_text="done",
        )
    )
    writer.close()
    with TelemetryStore(tmp_path / "t.db") as store:
        (row,) = store.query("SELECT prompt_text, completion_text FROM events")
    assert row["prompt_text"] == "deploy with [REDACTED:aws-access-key-id]"
    assert row["completion_text"] == "done"


def test_cached_tokens_reach_the_store(tmp_path: Path) -> None:
    writer = TelemetryWriter(tmp_path / "t.db", interval_seconds=0.02)
    writer.record_request(
        RequestRecord("r1", "dev", None, "chat", "fast", MINI, "ok", cached_tokens=7)
    )
    writer.close()
    with TelemetryStore(tmp_path / "t.db") as store:
        (row,) = store.query("SELECT cached_tokens FROM events")
    assert row["cached_tokens"] == 7
