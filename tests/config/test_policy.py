"""The organisation policy: lookup order, validation naming the key, model pinning."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from llmops_ls import catalog
from llmops_ls.config import policy_file, project
from llmops_ls.config.policy import (
    DEFAULT_POLICY_PATH,
    Policy,
    load_policy,
    parse_policy,
)
from llmops_ls.errors import ConfigError

# The shipped catalogue's date, so that its deprecation dates apply as they do today.
TODAY = datetime.date(2026, 12, 3)
MINIMAL = """
[tiers.fast]
models = ["gpt-5.4-mini-2026-03-17"]
"""


def parse(text: str, today: datetime.date = TODAY) -> Policy:
    return parse_policy(text, Path("policy.toml"), today).policy


def key_of(text: str) -> str | None:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    return caught.value.key


@pytest.fixture
def no_system_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(policy_file, "SYSTEM_POLICY_PATH", tmp_path / "absent.toml")


def test_embedded_default_applies_without_any_policy(no_system_policy: None) -> None:
    loaded = load_policy({}, TODAY)
    assert loaded.path == DEFAULT_POLICY_PATH
    assert loaded.policy.tier_order() == ["fast", "standard", "frontier"]
    assert loaded.warnings == ()


def test_environment_variable_names_the_policy(
    tmp_path: Path, no_system_policy: None
) -> None:
    path = tmp_path / "org.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    loaded = load_policy({"LLMOPS_POLICY": str(path)}, TODAY)
    assert loaded.path == path
    assert list(loaded.policy.tiers) == ["fast"]


def test_system_path_is_used_when_no_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setattr(policy_file, "SYSTEM_POLICY_PATH", path)
    assert load_policy({}, TODAY).path == path


def test_variable_naming_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LLMOPS_POLICY"):
        load_policy({"LLMOPS_POLICY": str(tmp_path / "nope.toml")}, TODAY)


def test_invalid_toml_names_the_file() -> None:
    with pytest.raises(ConfigError, match="invalid TOML") as caught:
        parse("[tiers.fast\n")
    assert caught.value.path == "policy.toml"


def test_unknown_key_is_named() -> None:
    assert key_of(MINIMAL + "[budgets]\ndaily = 3\n") == "budgets.daily"


def test_wrong_type_is_named() -> None:
    text = MINIMAL + "[budgets]\ndeveloper_daily = 'lots'\n"
    assert key_of(text) == "budgets.developer_daily"


def test_unpinned_alias_is_refused_with_the_snapshot_to_pin() -> None:
    text = '[tiers.fast]\nmodels = ["gpt-5.4-mini-2026-03-17", "gpt-5.4"]\n'
    with pytest.raises(ConfigError, match=r"gpt-5\.4-2026-03-05") as caught:
        parse(text)
    assert caught.value.key == "tiers.fast.models[1]"


def test_latest_is_refused() -> None:
    text = '[tiers.fast]\nmodels = ["claude-3-5-haiku-latest"]\n'
    assert key_of(text) == "tiers.fast.models[0]"


def test_unknown_model_is_refused() -> None:
    text = '[tiers.fast]\nmodels = ["acme-coder-20250101"]\n'
    with pytest.raises(ConfigError, match="unknown model"):
        parse(text)


def test_policy_can_extend_the_catalogue() -> None:
    text = """
[tiers.fast]
models = ["acme-coder-20250101"]

[[models]]
id = "acme-coder-20250101"
provider = "vllm"
context_window = 32000
input_per_million = 0.05
output_per_million = 0.1
"""
    policy = parse(text)
    model = policy.catalogue().get("acme-coder-20250101")
    assert model is not None
    assert model.context_window == 32000


def test_deprecated_model_is_refused_after_its_date() -> None:
    text = '[tiers.fast]\nmodels = ["claude-sonnet-4-5-20250929"]\n'
    with pytest.raises(ConfigError, match="deprecated on 2026-11-30"):
        parse(text)


def test_models_of_the_old_default_policy_are_refused_today() -> None:
    # gemini-2.5-flash was the fast tier's fallback until the Gemini API retired it.
    text = '[tiers.fast]\nmodels = ["gpt-5.4-mini-2026-03-17", "gemini-2.5-flash"]\n'
    with pytest.raises(ConfigError, match="deprecated on 2026-12-01") as caught:
        parse(text)
    assert caught.value.key == "tiers.fast.models[1]"


def test_model_deprecated_within_sixty_days_warns() -> None:
    text = '[tiers.fast]\nmodels = ["gpt-5-2025-08-07"]\n'
    loaded = parse_policy(text, Path("p.toml"), TODAY)
    assert len(loaded.warnings) == 1
    assert "in 8 days" in loaded.warnings[0]
    assert loaded.warnings[0].startswith("tiers.fast.models[0]")


def test_model_deprecated_later_does_not_warn() -> None:
    text = '[tiers.fast]\nmodels = ["gpt-5-2025-08-07"]\n'
    loaded = parse_policy(text, Path("p.toml"), datetime.date(2026, 10, 11))
    assert loaded.warnings == ()


def test_canary_model_is_checked_too() -> None:
    text = MINIMAL + "canary = { model = 'gpt-5', percent = 10 }\n"
    assert key_of(text) == "tiers.fast.canary.model"


def test_canary_percent_is_bounded() -> None:
    text = MINIMAL + "canary = { model = 'gpt-5.5-2026-04-23', percent = 120 }\n"
    assert key_of(text) == "tiers.fast.canary.percent"


def test_extra_tier_needs_a_score() -> None:
    text = MINIMAL + '[tiers.reasoning]\nmodels = ["gpt-5.5-2026-04-23"]\n'
    assert key_of(text) == "tiers.reasoning.min_score"


def test_extra_tiers_are_ordered_by_score() -> None:
    text = (
        MINIMAL
        + '[tiers.reasoning]\nmodels = ["gpt-5.5-2026-04-23"]\nmin_score = 0.9\n'
        + '[tiers.frontier]\nmodels = ["claude-opus-4-7-20260416"]\n'
    )
    assert parse(text).tier_order() == ["fast", "frontier", "reasoning"]


def test_some_tier_must_take_the_simplest_requests() -> None:
    text = '[tiers.standard]\nmodels = ["gpt-5.4-2026-03-05"]\n'
    assert key_of(text) == "tiers"


def test_tier_without_models_is_refused() -> None:
    assert key_of("[tiers.fast]\nmodels = []\n") == "tiers.fast.models"


def test_non_usd_budget_is_refused_until_rates_exist() -> None:
    assert key_of(MINIMAL + "[budgets]\ncurrency = 'EUR'\n") == "budgets.currency"


def test_unknown_time_zone_is_refused() -> None:
    assert key_of(MINIMAL + "[budgets]\ntimezone = 'Mars/Olympus'\n") == (
        "budgets.timezone"
    )


def test_gateway_url_must_be_http() -> None:
    assert key_of(MINIMAL + "[gateway]\nbase_url = 'ftp://x'\n") == "gateway.base_url"


def test_content_filter_action_is_redact_or_block() -> None:
    text = MINIMAL + "[content_filter]\naction = 'ignore'\n"
    assert key_of(text) == "content_filter.action"


def test_never_attach_patterns_match_names_anywhere() -> None:
    content_filter = parse(MINIMAL).content_filter
    assert not content_filter.may_attach("deploy/.env")
    assert not content_filter.may_attach("certs/server.pem")
    assert not content_filter.may_attach(".env.production")
    assert content_filter.may_attach("src/env.py")


def test_locked_keys_cover_their_children() -> None:
    policy = parse('locked = ["content_filter", "lint.severity.secret"]\n' + MINIMAL)
    assert policy.is_locked("content_filter.action")
    assert policy.is_locked("lint.severity.secret")
    assert not policy.is_locked("lint.severity")
    assert not policy.is_locked("content_filtering")


def test_requested_tiers_are_honoured_by_default(no_system_policy: None) -> None:
    assert parse(MINIMAL).routing.requested_tier == "honour"
    assert load_policy({}, TODAY).policy.routing.requested_tier == "honour"
    for mode in ("raise_only", "ignore"):
        text = f'[routing]\nrequested_tier = "{mode}"\n' + MINIMAL
        assert parse(text).routing.requested_tier == mode


def test_requested_tier_takes_only_its_three_values() -> None:
    text = '[routing]\nrequested_tier = "always"\n' + MINIMAL
    with pytest.raises(ConfigError) as caught:
        parse(text)
    assert caught.value.key == "routing.requested_tier"
    assert "'honour', 'raise_only' or 'ignore'" in caught.value.message


def test_inline_tier_must_name_a_tier() -> None:
    assert parse(MINIMAL).routing.inline_tier is None
    with pytest.raises(ConfigError) as caught:
        parse('[routing]\ninline_tier = "turbo"\n' + MINIMAL)
    assert caught.value.key == "routing.inline_tier"
    assert "no tier named 'turbo'" in caught.value.message


def test_locked_requested_tier_cannot_be_loosened_below_the_policy(
    tmp_path: Path,
) -> None:
    for lock in ("routing.requested_tier", "routing"):
        policy = parse(
            f'locked = ["{lock}"]\n[routing]\nrequested_tier = "raise_only"\n' + MINIMAL
        )
        assert policy.is_locked("routing.requested_tier")
        assert policy.routing.requested_tier == "raise_only"
    # The router reads this setting from the policy alone: the project file has no
    # such key, so a project cannot loosen it, locked or not.
    project_file = tmp_path / ".llmops.toml"
    project_file.write_text('[routing]\nrequested_tier = "honour"\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        project.load_settings(tmp_path)
    assert caught.value.key == "routing"


def test_gateway_key_from_variable_then_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("sk-from-file\n", encoding="utf-8")
    gateway = parse(
        f"[gateway]\nkey_env = 'GW_KEY'\nkey_file = '{key_file}'\n" + MINIMAL
    ).gateway
    assert gateway.read_key({"GW_KEY": "sk-from-env"}) == "sk-from-env"
    assert gateway.read_key({}) == "sk-from-file"


def test_pinned_ids() -> None:
    assert catalog.is_pinned("gpt-5.4-2026-03-05")
    assert catalog.is_pinned("claude-opus-4-7-20260416")
    assert catalog.is_pinned("gemini-3.5-flash")  # a catalogued stable id
    assert catalog.is_pinned("claude-sonnet-4-6")  # Anthropic's undated snapshot
    assert catalog.is_pinned("gemini-1.5-pro-002")
    assert not catalog.is_pinned("gpt-5.4")
    assert not catalog.is_pinned("claude-opus-4-7")
    assert not catalog.is_pinned("claude-sonnet-5")  # undated and not catalogued
    assert not catalog.is_pinned("claude-sonnet-4-latest")
    assert not catalog.is_pinned("my-model")
