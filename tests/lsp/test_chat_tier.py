"""llmops/chat with a requested `tier`, end to end: the answer names its model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from integration.upstream import Upstream
from lsp.assistant_helpers import (
    as_dict,
    assistant_server,
    gateway_url,
    write_policy,
)

STANDARD = "claude-sonnet-4-6"
FRONTIER = "claude-opus-4-7-20260416"
#: The router sends this to the standard tier on its own (see test_chat.py).
ASK = "Write a function that parses the config file and add tests for it."


def chat(tier: object) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": ASK}], "tier": tier}


async def test_requested_tier_is_answered_by_its_model(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        result = as_dict(
            await client.protocol.send_request_async("llmops/chat", chat("frontier"))
        )

    assert result["text"].strip() == f"answer from {FRONTIER}"
    decision = as_dict(result["decision"])
    assert (decision["tier"], decision["model"]) == ("frontier", FRONTIER)
    assert decision["requested_tier"] == "frontier"
    assert "tier frontier requested (the router chose standard)" in decision["reasons"]


async def test_raise_only_policy_keeps_the_router_tier_for_a_cheaper_request(
    upstream: Upstream, root: Path
) -> None:
    policy = write_policy(root.parent, gateway_url(upstream))
    text = policy.read_text(encoding="utf-8")
    assert 'requested_tier = "honour"' in text
    raise_only = root.parent / "raise-only.toml"
    raise_only.write_text(
        text.replace('requested_tier = "honour"', 'requested_tier = "raise_only"'),
        encoding="utf-8",
    )

    async with assistant_server(
        root, gateway_url(upstream), extra_env={"LLMOPS_POLICY": str(raise_only)}
    ) as client:
        result = as_dict(
            await client.protocol.send_request_async("llmops/chat", chat("fast"))
        )

    assert result["text"].strip() == f"answer from {STANDARD}"
    decision = as_dict(result["decision"])
    assert decision["tier"] == "standard"
    assert any(
        r.startswith("tier fast requested, not honoured") and '"raise_only"' in r
        for r in decision["reasons"]
    )


async def test_unknown_tier_is_invalid_params_listing_the_tiers(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        with pytest.raises(JsonRpcException) as unknown:
            await client.protocol.send_request_async("llmops/chat", chat("turbo"))
        with pytest.raises(JsonRpcException) as not_text:
            await client.protocol.send_request_async("llmops/chat", chat(3))

    assert unknown.value.code == -32602
    assert "unknown tier 'turbo'" in unknown.value.message
    assert "fast, standard, frontier" in unknown.value.message
    assert unknown.value.data == {"tiers": ["fast", "standard", "frontier"]}
    assert not_text.value.code == -32602
    assert upstream.recorded.bodies == []


async def test_tiers_lists_the_policy_tiers_cheapest_first_and_sends_nothing(
    upstream: Upstream, root: Path
) -> None:
    async with assistant_server(root, gateway_url(upstream)) as client:
        result = as_dict(await client.protocol.send_request_async("llmops/tiers", None))

    tiers = [as_dict(tier) for tier in result["tiers"]]
    assert [tier["name"] for tier in tiers] == ["fast", "standard", "frontier"]
    assert tiers[1]["models"][0] == STANDARD
    assert tiers[2]["models"][0] == FRONTIER
    assert result["requestedTier"] == "honour"
    assert upstream.recorded.paths == []


async def test_tiers_of_an_invalid_policy_is_an_error_naming_the_file(
    upstream: Upstream, root: Path
) -> None:
    broken = root.parent / "broken.toml"
    broken.write_text("[tiers.fast]\nmodels = 3\n", encoding="utf-8")
    async with assistant_server(
        root, gateway_url(upstream), extra_env={"LLMOPS_POLICY": str(broken)}
    ) as client:
        with pytest.raises(JsonRpcException) as error:
            await client.protocol.send_request_async("llmops/tiers", None)

    assert error.value.code == -32004
    assert str(broken) in error.value.message
