"""The language server's inline completion and chat through a real LiteLLM proxy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types

from integration.litellm_proxy import Proxy
from lsp.assistant_helpers import assistant_server, inline_params, open_source


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else dict(value._asdict())


async def test_inline_and_chat_through_litellm(proxy: Proxy, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    async with assistant_server(root, proxy.base_url, key=proxy.key) as client:
        uri = open_source(client, root / "calc.py", "def add(a, b):\n    return \n")
        inline = await client.text_document_inline_completion_async(
            inline_params(uri, 1, 11)
        )
        chat = as_dict(
            await client.protocol.send_request_async(
                "llmops/chat",
                {
                    "messages": [
                        {
                            "role": "user",
                            "content": "Refactor the session handling across every "
                            "module: there is a race condition between workers.",
                        }
                    ]
                },
            )
        )
        chunks = list(client.chunks)  # type: ignore[attr-defined]

    assert isinstance(inline, types.InlineCompletionList)
    assert inline.items[0].insert_text == "answer from fast-primary"
    assert chat["text"].strip() == "answer from frontier-primary"
    assert as_dict(chat["decision"])["tier"] == "frontier"
    assert chunks and as_dict(chat["usage"])["completionTokens"] == 4
