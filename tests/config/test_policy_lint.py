"""Linting a policy text: every problem at once, on the key or value at fault."""

from __future__ import annotations

import datetime

from llmops_ls import catalog
from llmops_ls.config.policy_lint import PolicyFinding, lint_policy
from llmops_ls.config.toml_spans import decode_error_offset, find, locate

# The shipped catalogue's date, so that its deprecation dates apply as they do today.
TODAY = datetime.date(2026, 12, 3)


def lint(text: str, today: datetime.date = TODAY) -> list[PolicyFinding]:
    return lint_policy(text, today)


def spans_of(text: str, findings: list[PolicyFinding]) -> list[tuple[str, str]]:
    return [(f.rule, text[f.start : f.end]) for f in findings]


# -- locating keys and values --------------------------------------------------------


def test_locate_finds_array_elements_across_lines_and_comments() -> None:
    text = 'models = [\n  "a-001",  # primary\n  # spare\n  "b-002",\n]\n'
    spans = locate(text)
    first, second = spans["models[0]"], spans["models[1]"]
    assert text[first.value_start : first.value_end] == '"a-001"'
    assert text[second.value_start : second.value_end] == '"b-002"'


def test_locate_numbers_array_tables_and_follows_inline_tables() -> None:
    text = (
        "[[models]]\nid = 'x'\n[[models]]\nid = \"y\"\n"
        "[tiers.fast]\ncanary = { model = 'c', percent = 5 }\n"
    )
    spans = locate(text)
    second = spans["models[1].id"]
    assert text[second.value_start : second.value_end] == '"y"'
    canary = spans["tiers.fast.canary.model"]
    assert text[canary.value_start : canary.value_end] == "'c'"


def test_locate_reads_dotted_and_quoted_keys() -> None:
    text = '"tiers".fast.models = ["m-001"]\n'
    span = locate(text)["tiers.fast.models[0]"]
    assert text[span.value_start : span.value_end] == '"m-001"'


def test_locate_keeps_what_it_found_before_text_it_cannot_follow() -> None:
    spans = locate("a = 1\n[b\nc = 3\n")
    assert "a" in spans and "c" not in spans


def test_find_falls_back_to_the_parent_then_the_first_child() -> None:
    spans = locate("[tiers.fast]\nmodels = ['m']\n")
    assert find(spans, "tiers.fast.min_score") == spans["tiers.fast"]
    assert find(spans, "tiers") == spans["tiers.fast"]
    assert find(spans, "budgets") is None


def test_decode_error_offset_reads_line_and_column() -> None:
    text = "a = 1\nb = [\n"
    assert decode_error_offset(text, "Invalid value (at line 2, column 5)") == 10


# -- findings ------------------------------------------------------------------------

CLEAN = """
[tiers.fast]
models = ["gpt-5.4-mini-2026-03-17", "gemini-3.5-flash-lite"]
"""


PRO_MODELS = 'models = ["gemini-3.5-flash", "gpt-5.4-2026-03-05"]\n'


def test_a_clean_policy_has_no_findings() -> None:
    assert lint(CLEAN) == []


def test_alias_is_unpinned_on_its_value_with_the_snapshot_to_pin() -> None:
    text = '[tiers.fast]\nmodels = ["gpt-5.4-mini", "gemini-3.5-flash-lite"]\n'
    (finding,) = lint(text)
    assert finding.rule == "policy-unpinned-model"
    assert text[finding.start : finding.end] == "gpt-5.4-mini"
    assert finding.replacement == "gpt-5.4-mini-2026-03-17"


def test_latest_and_undated_ids_are_unpinned_without_a_replacement() -> None:
    text = '[tiers.fast]\nmodels = ["acme-latest", "acme-coder"]\n'
    findings = lint(text)
    assert spans_of(text, findings) == [
        ("policy-unpinned-model", "acme-latest"),
        ("policy-unpinned-model", "acme-coder"),
    ]
    assert "latest" in findings[0].message
    assert all(f.replacement is None for f in findings)


def test_unknown_dated_model_is_reported() -> None:
    text = '[tiers.fast]\nmodels = ["gemini-3.5-flash-lite", "acme-coder-20250601"]\n'
    assert spans_of(text, lint(text)) == [
        ("policy-unknown-model", "acme-coder-20250601")
    ]


def test_models_added_by_the_policy_are_known() -> None:
    text = (
        '[tiers.fast]\nmodels = ["gemini-3.5-flash-lite", "acme-coder-20250601"]\n'
        '[[models]]\nid = "acme-coder-20250601"\nprovider = "acme"\n'
        "context_window = 2000000\ninput_per_million = 0.1\noutput_per_million = 0.2\n"
    )
    assert lint(text) == []


def test_deprecated_model_is_an_error_from_its_date() -> None:
    text = (
        '[tiers.fast]\nmodels = ["claude-sonnet-4-5-20250929", "gpt-5.4-2026-03-05"]\n'
    )
    for today in (datetime.date(2026, 11, 30), TODAY):
        (finding,) = lint(text, today)
        assert finding.rule == "policy-deprecated-model"
        assert not finding.warning
        assert text[finding.start : finding.end] == "claude-sonnet-4-5-20250929"
        assert "deprecated on 2026-11-30" in finding.message


def test_deprecated_model_within_sixty_days_is_a_warning() -> None:
    text = '[tiers.fast]\nmodels = ["gpt-5-2025-08-07", "gpt-5.4-2026-03-05"]\n'
    (finding,) = lint(text)
    assert finding.rule == "policy-deprecated-model"
    assert finding.warning
    assert "in 8 days" in finding.message
    assert lint(text, datetime.date(2026, 10, 11)) == []


def test_canary_model_is_checked_on_its_value() -> None:
    text = CLEAN + "canary = { model = 'gpt-5.4', percent = 5 }\n"
    assert spans_of(text, lint(text)) == [("policy-unpinned-model", "gpt-5.4")]


def test_tier_with_one_model_has_no_fallback() -> None:
    text = '[tiers.fast]\nmodels = ["gpt-5.4-mini-2026-03-17"]\n'
    assert spans_of(text, lint(text)) == [
        ("policy-no-fallback", '["gpt-5.4-mini-2026-03-17"]')
    ]


def test_fallback_with_a_smaller_context_window_is_reported() -> None:
    text = (
        '[tiers.fast]\nmodels = ["gemini-3.5-flash", "gpt-5.4-2026-03-05",'
        ' "claude-haiku-4-5-20251001"]\n'
    )
    (finding,) = lint(text)
    assert finding.rule == "policy-fallback-context"
    assert text[finding.start : finding.end] == "claude-haiku-4-5-20251001"
    assert "200,000" in finding.message and "1,048,576" in finding.message


def test_invalid_toml_is_one_finding_on_the_broken_line() -> None:
    text = CLEAN + "[budgets\ndeveloper_daily = 3\n"
    (finding,) = lint(text)
    assert finding.rule == "policy-invalid"
    assert text[finding.start : finding.end] == "[budgets"
    assert finding.message.startswith("invalid TOML")


def test_every_schema_error_is_reported_on_its_key_or_value() -> None:
    text = CLEAN + '[gateway]\nbase_url = "ftp://gw"\ncolour = 3\n'
    findings = lint(text)
    assert spans_of(text, findings) == [
        ("policy-invalid", "ftp://gw"),
        ("policy-invalid", "colour"),
    ]
    assert findings[0].message.startswith("gateway.base_url: must start with http")
    assert "unknown key" in findings[1].message


def test_missing_keys_are_one_finding_on_their_table() -> None:
    text = CLEAN + '[[models]]\nid = "acme-1-20250101"\n'
    (finding,) = lint(text)
    assert text[finding.start : finding.end] == "[[models]]"
    assert "`provider`, `context_window`" in finding.message


def test_structural_error_is_reported_on_the_key_it_names() -> None:
    text = CLEAN + "[tiers.standard]\nmin_score = 0\n" + PRO_MODELS
    (finding,) = lint(text)
    assert finding.rule == "policy-invalid"
    assert text[finding.start : finding.end] == "min_score"
    assert finding.start > text.index("[tiers.standard]")
    assert "same score" in finding.message


def test_inline_tier_naming_no_tier_is_reported_on_its_key() -> None:
    text = CLEAN + '[routing]\ninline_tier = "turbo"\n'
    (finding,) = lint(text)
    assert finding.rule == "policy-invalid"
    assert text[finding.start : finding.end] == "inline_tier"
    assert "no tier named 'turbo'" in finding.message


def test_missing_structural_key_is_reported_on_its_table() -> None:
    text = CLEAN + "[tiers.big]\n" + PRO_MODELS
    (finding,) = lint(text)
    assert text[finding.start : finding.end] == "[tiers.big]"
    assert finding.message.startswith("tiers.big.min_score: required")


def test_models_are_checked_even_when_the_schema_fails() -> None:
    text = (
        '[tiers.fast]\nmodels = ["gpt-5.4-mini", "gemini-3.5-flash-lite"]\nbogus = 1\n'
    )
    assert {f.rule for f in lint(text)} == {"policy-invalid", "policy-unpinned-model"}


def test_shipped_default_policy_is_clean_while_its_catalogue_is_fresh() -> None:
    from llmops_ls.config.policy import DEFAULT_POLICY_PATH

    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    shipped = catalog.load().catalogue_date
    assert lint(text, shipped) == []
    # No tier model is deprecated within 60 days of the day the catalogue turns stale.
    assert lint(text, shipped + datetime.timedelta(days=180)) == []


# -- stale model figures -------------------------------------------------------------

STALE_LIMIT = datetime.timedelta(days=catalog.STALE_CATALOGUE_DAYS)
ACME = (
    '[[models]]\nid = "acme-coder-20250601"\nprovider = "acme"\n'
    "context_window = 262144\ninput_per_million = 0.2\noutput_per_million = 0.8\n"
)


def test_shipped_catalogue_older_than_the_limit_is_reported_on_the_first_line() -> None:
    shipped = catalog.load().catalogue_date
    assert lint(CLEAN, shipped + STALE_LIMIT) == []
    (finding,) = lint(CLEAN, shipped + STALE_LIMIT + datetime.timedelta(days=1))
    assert finding.rule == "policy-stale-catalogue"
    assert (finding.start, finding.end) == (0, 0)
    assert f"dated {shipped}, 181 days ago" in finding.message
    assert "upgrade llmops-ls" in finding.message
    assert "[[models]]" in finding.message and "catalogue_date" in finding.message


def test_recent_catalogue_date_of_the_policy_stands_for_the_shipped_catalogue() -> None:
    later = catalog.load().catalogue_date + STALE_LIMIT + datetime.timedelta(days=30)
    text = f'catalogue_date = "{later - datetime.timedelta(days=10)}"\n' + CLEAN
    assert lint(text, later) == []
    # Still reported when the policy's own check is as old, on the date it gives.
    text = f'catalogue_date = "{later - STALE_LIMIT * 2}"\n' + CLEAN
    (finding,) = lint(text, later)
    assert finding.rule == "policy-stale-catalogue"
    assert text[finding.start : finding.end] == "catalogue_date"


def test_old_catalogue_date_is_reported_where_the_policy_has_models() -> None:
    text = (
        'catalogue_date = "2026-01-05"\n[tiers.fast]\n'
        'models = ["acme-coder-20250601", "gemini-3.5-flash-lite"]\n' + ACME
    )
    (finding,) = lint(text)
    assert finding.rule == "policy-stale-catalogue"
    assert text[finding.start : finding.end] == "2026-01-05"
    assert "checked on 2026-01-05, 332 days ago" in finding.message
    assert lint(text, datetime.date(2026, 7, 4)) == []


def test_old_catalogue_date_without_models_relies_on_the_fresh_shipped_one() -> None:
    text = 'catalogue_date = "2025-01-05"\n' + CLEAN
    assert lint(text) == []


def test_invalid_catalogue_date_is_a_schema_error_only() -> None:
    text = 'catalogue_date = "last spring"\n' + CLEAN
    assert [f.rule for f in lint(text)] == ["policy-invalid"]


def test_a_catalogue_date_after_today_is_reported_and_not_trusted() -> None:
    text = 'catalogue_date = "2062-12-01"\n' + CLEAN
    today = catalog.load().catalogue_date + STALE_LIMIT + datetime.timedelta(days=1)
    findings = lint(text, today)
    assert [f.rule for f in findings] == ["policy-stale-catalogue"] * 2
    future, stale = sorted(findings, key=lambda f: "after today" not in f.message)
    assert text[future.start : future.end] == "2062-12-01"
    assert "is after today" in future.message
    # The date vouches for nothing, so the shipped catalogue's age is reported too.
    assert "shipped with llmops-ls" in stale.message
