"""The outgoing content filter: redaction, blocking, never-attached files."""

from __future__ import annotations

import json

import httpx
import pytest

from gateway.helpers import FAST, chat_answer, make_client
from gateway.secrets_planted import AWS, GITHUB, OPENAI, PEM, SECRETS
from llmops_ls.config.policy import ContentFilter
from llmops_ls.errors import AttachmentRefusedError, SecretBlockedError
from llmops_ls.gateway.filter import OutgoingFilter
from llmops_ls.gateway.messages import Attachment, ChatMessage, GatewayRequest


def redacting() -> OutgoingFilter:
    return OutgoingFilter(ContentFilter(action="redact"))


def test_redacts_every_planted_secret_in_messages_and_attachments() -> None:
    request = GatewayRequest(
        messages=(ChatMessage("user", f"my key is {AWS} and {GITHUB}"),),
        attachments=(Attachment("src/config.py", f'KEY = "{OPENAI}"\n{PEM}'),),
    )

    filtered = redacting().apply(request)

    sent = json.dumps(filtered.request.payload(FAST))
    assert not any(secret in sent for secret in SECRETS)
    assert "[REDACTED:aws-access-key-id]" in sent
    assert "src/config.py" in sent
    assert filtered.redactions == 4
    assert filtered.request.attachments == ()


def test_redacts_prompt_and_suffix_of_text_completion() -> None:
    request = GatewayRequest(endpoint="text", prompt=f"x = '{AWS}'\n", suffix=GITHUB)

    filtered = redacting().apply(request)

    assert AWS not in filtered.request.prompt
    assert filtered.request.suffix == "[REDACTED:github-token]"


def test_clean_request_passes_unchanged() -> None:
    request = GatewayRequest(messages=(ChatMessage("user", "rename foo to bar"),))

    filtered = redacting().apply(request)

    assert filtered.request == request and filtered.redactions == 0


def test_block_policy_refuses_to_send() -> None:
    request = GatewayRequest(messages=(ChatMessage("user", f"key {AWS}"),))

    with pytest.raises(SecretBlockedError, match="aws-access-key-id"):
        OutgoingFilter(ContentFilter(action="block")).apply(request)


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "deploy/.env.production",
        "certs/server.pem",
        "home/.ssh/id_ed25519",
        ".netrc",
        "keys/client.p12",
    ],
)
def test_never_attach_paths_are_refused(path: str) -> None:
    request = GatewayRequest(attachments=(Attachment(path, "harmless"),))

    with pytest.raises(AttachmentRefusedError):
        redacting().apply(request)


@pytest.mark.parametrize("path", ["secrets/db.txt", ".env", "certs/server.pem"])
def test_policy_patterns_extend_never_attach(path: str) -> None:
    # The policy's own list adds to the built-in patterns; it does not replace them.
    policy = ContentFilter(never_attach=["secrets/*"])
    request = GatewayRequest(attachments=(Attachment(path, "x"),))

    with pytest.raises(AttachmentRefusedError):
        OutgoingFilter(policy).apply(request)

    assert OutgoingFilter(policy).apply(
        GatewayRequest(attachments=(Attachment("src/db.txt", "x"),))
    )


async def test_client_never_sends_a_secret() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(200, json=chat_answer())

    request = GatewayRequest(
        messages=(ChatMessage("user", f"{AWS} {GITHUB} {OPENAI}\n{PEM}"),)
    )
    completion = await make_client(handler).send(request, [FAST])

    assert not any(s.encode() in bodies[0] for s in SECRETS)
    assert completion.redactions == 4


async def test_blocked_request_makes_no_http_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=chat_answer())

    request = GatewayRequest(messages=(ChatMessage("user", AWS),))
    with pytest.raises(SecretBlockedError):
        await make_client(handler, action="block").send(request, [FAST])
    assert calls == []
