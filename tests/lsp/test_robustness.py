"""Bad input and abrupt clients, over a raw pipe where pytest-lsp cannot express it.

Each test writes its whole conversation, closes the pipe and reads every answer; a
server that hung would hit the timeout instead of exiting.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from lsp.helpers import SERVER_COMMAND, SERVER_ENV

EXIT_TIMEOUT_SECONDS = 20


def frame(message: dict[str, Any] | bytes) -> bytes:
    """One message with its Content-Length header."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def initialize(root: Path) -> bytes:
    """The opening of a session on `root`."""
    return frame(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}},
        }
    ) + frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})


def converse(conversation: bytes) -> tuple[int, list[dict[str, Any]]]:
    """Run the server on a conversation; its exit status and every message it sent."""
    process = subprocess.run(
        SERVER_COMMAND,
        input=conversation,
        capture_output=True,
        timeout=EXIT_TIMEOUT_SECONDS,
        env=SERVER_ENV,
        check=False,
    )
    return process.returncode, parse(process.stdout)


def parse(stream: bytes) -> list[dict[str, Any]]:
    """Split a server's output into messages; anything else there is a failure."""
    messages = []
    while stream:
        header, separator, rest = stream.partition(b"\r\n\r\n")
        assert separator, f"unframed output: {stream[:80]!r}"
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        messages.append(json.loads(rest[:length]))
        stream = rest[length:]
    return messages


def response(messages: list[dict[str, Any]], msg_id: Any) -> dict[str, Any]:
    """The answer to one request."""
    return next(m for m in messages if m.get("id") == msg_id and "method" not in m)


def shutdown_and_exit(msg_id: int = 99) -> bytes:
    """A clean end of the session."""
    return frame({"jsonrpc": "2.0", "id": msg_id, "method": "shutdown"}) + frame(
        {"jsonrpc": "2.0", "method": "exit"}
    )


def test_malformed_json_gets_a_parse_error_and_the_server_goes_on(root: Path) -> None:
    conversation = (
        initialize(root)
        + frame(b'{"jsonrpc": "2.0", "id": 5, "method": ')
        + shutdown_and_exit()
    )

    status, messages = converse(conversation)

    errors = [m for m in messages if m.get("id") is None and "error" in m]
    assert errors and errors[0]["error"]["code"] == -32700
    assert "result" in response(messages, 99)
    assert status == 0


def test_unknown_method_is_answered_with_method_not_found(root: Path) -> None:
    conversation = (
        initialize(root)
        + frame(
            {"jsonrpc": "2.0", "id": 7, "method": "llmops/noSuchThing", "params": {}}
        )
        + frame({"jsonrpc": "2.0", "method": "llmops/noSuchNotification"})
        + shutdown_and_exit()
    )

    status, messages = converse(conversation)

    assert response(messages, 7)["error"]["code"] == -32601
    assert status == 0


def test_request_with_invalid_params_gets_an_error_reply(root: Path) -> None:
    conversation = (
        initialize(root)
        + frame(
            {
                "jsonrpc": "2.0",
                "id": 8,
                "method": "textDocument/hover",
                "params": {"textDocument": 42},
            }
        )
        + shutdown_and_exit()
    )

    status, messages = converse(conversation)

    assert response(messages, 8)["error"]["code"] in (-32602, -32603)
    assert status == 0


def test_json_that_is_not_an_object_gets_invalid_request(root: Path) -> None:
    conversation = initialize(root) + frame(b"[1, 2, 3]") + shutdown_and_exit()

    status, messages = converse(conversation)

    errors = [m for m in messages if m.get("id") is None and "error" in m]
    assert errors and errors[0]["error"]["code"] in (-32600, -32700)
    assert status == 0


def test_client_that_disconnects_without_shutdown_lets_the_server_exit(
    root: Path,
) -> None:
    (root / ".git").mkdir()
    (root / "CLAUDE.md").write_text("# P\n\nSee @docs/missing.md\n", encoding="utf-8")

    # The pipe closes right after `initialized`: no shutdown, no exit.
    status, messages = converse(initialize(root))

    assert "result" in response(messages, 1)
    assert status == 0


def test_nothing_but_protocol_messages_reach_stdout(root: Path) -> None:
    (root / ".git").mkdir()
    (root / "CLAUDE.md").write_text("# P\n\nSee @docs/missing.md\n", encoding="utf-8")

    _, messages = converse(initialize(root) + shutdown_and_exit())

    assert all(m.get("jsonrpc") == "2.0" for m in messages)


def test_request_without_params_is_answered(root: Path) -> None:
    # JSON-RPC lets `params` be left out; Neovim does so for a nil argument.
    conversation = (
        initialize(root)
        + frame({"jsonrpc": "2.0", "id": 7, "method": "llmops/tiers"})
        + shutdown_and_exit()
    )

    status, messages = converse(conversation)

    answer = response(messages, 7)
    assert "error" not in answer, answer
    assert [tier["name"] for tier in answer["result"]["tiers"]] == [
        "fast",
        "standard",
        "frontier",
    ]
    assert status == 0
