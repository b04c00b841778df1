"""Findings in a policy file's text, each on the key or value it is about.

Loading a policy stops at its first error; linting reports every problem at once, so
that the editor can show them all: TOML syntax, every schema error, the structural
errors `policy.check_structure` raises, and for each model id an unpinned alias, an
unknown or deprecated id (a warning within 60 days of its date), a tier without
fallback and a fallback with a smaller context window than its tier's primary. Last,
model figures older than 180 days: the shipped catalogue's, unless the policy's own
`catalogue_date` is recent, and the policy's `[[models]]` entries by that date.

Model ids are checked even when the rest of the file breaks the schema, against the
shipped catalogue extended by each `[[models]]` entry that is valid on its own.
"""

from __future__ import annotations

import datetime
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from llmops_ls import catalog
from llmops_ls.config import policy as policy_module
from llmops_ls.config.toml_spans import Span, decode_error_offset, find, locate
from llmops_ls.errors import ConfigError

INVALID = "policy-invalid"
UNPINNED = "policy-unpinned-model"
UNKNOWN = "policy-unknown-model"
DEPRECATED = "policy-deprecated-model"
NO_FALLBACK = "policy-no-fallback"
FALLBACK_CONTEXT = "policy-fallback-context"
STALE_CATALOGUE = "policy-stale-catalogue"
RULES = (
    INVALID,
    UNPINNED,
    UNKNOWN,
    DEPRECATED,
    NO_FALLBACK,
    FALLBACK_CONTEXT,
    STALE_CATALOGUE,
)

_KIND_RULES = {
    "unpinned": UNPINNED,
    "unknown": UNKNOWN,
    "deprecated": DEPRECATED,
    "retiring": DEPRECATED,
}


@dataclass(frozen=True, slots=True)
class PolicyFinding:
    """One problem between two offsets of the policy text.

    `warning` marks a finding milder than its rule's default (a model deprecated
    soon rather than already); `replacement` is the pinned id an alias stands for.
    """

    rule: str
    start: int
    end: int
    message: str
    warning: bool = False
    replacement: str | None = None


def lint_policy(
    text: str, today: datetime.date | None = None, path: str = "policy.toml"
) -> list[PolicyFinding]:
    """Every finding of a policy text, in file order."""
    today = today or catalog.utc_today()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        offset = decode_error_offset(text, str(exc))
        start, end = _line_of(text, offset)
        return [PolicyFinding(INVALID, start, end, f"invalid TOML: {exc}")]

    spans = locate(text)
    findings = list(_schema_findings(data, path, text, spans))
    if not findings:
        findings.extend(_structure_findings(data, path, text, spans))
    findings.extend(_model_findings(data, text, spans, today))
    findings.extend(_staleness_findings(data, text, spans, today))
    return sorted(findings, key=lambda f: (f.start, f.rule))


def _schema_findings(
    data: dict[str, Any], path: str, text: str, spans: dict[str, Span]
) -> Iterator[PolicyFinding]:
    try:
        policy_module.Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
    else:
        return
    missing: dict[str, list[str]] = {}
    for error in errors:
        key = policy_module.key_name(error["loc"])
        if error["type"] == "missing":
            parent, _, name = key.rpartition(".")
            missing.setdefault(parent, []).append(name)
            continue
        # An unknown key is about the key itself; other errors about its value.
        on_key = error["type"] == "extra_forbidden"
        start, end = _where(text, spans, key, on_key=on_key)
        message = policy_module.friendly_error(error)
        yield PolicyFinding(INVALID, start, end, f"{key}: {message}")
    for parent, names in missing.items():
        start, end = _where(text, spans, parent, on_key=True)
        where = f"{parent}: " if parent else ""
        listed = ", ".join(f"`{name}`" for name in names)
        yield PolicyFinding(INVALID, start, end, f"{where}missing {listed}")


def _structure_findings(
    data: dict[str, Any], path: str, text: str, spans: dict[str, Span]
) -> Iterator[PolicyFinding]:
    policy = policy_module.Policy.model_validate(data)
    try:
        policy_module.check_structure(policy, path)
    except ConfigError as exc:
        start, end = _where(text, spans, exc.key, on_key=True)
        where = f"{exc.key}: " if exc.key else ""
        yield PolicyFinding(INVALID, start, end, where + exc.message)


def _model_findings(
    data: dict[str, Any], text: str, spans: dict[str, Span], today: datetime.date
) -> Iterator[PolicyFinding]:
    catalogue = _catalogue(data)
    for tier_name, models, canary in _tiers(data):
        for key, model_id in [*models, *([canary] if canary else [])]:
            problem = policy_module.model_problem(catalogue, model_id, today)
            if problem is None:
                continue
            start, end = _where(text, spans, key, on_key=False)
            yield PolicyFinding(
                _KIND_RULES[problem.kind],
                start,
                end,
                problem.message,
                warning=problem.kind == "retiring",
                replacement=problem.pin,
            )
        yield from _fallback_findings(tier_name, models, catalogue, text, spans)


def _fallback_findings(
    tier_name: str,
    models: list[tuple[str, str]],
    catalogue: catalog.ModelCatalogue,
    text: str,
    spans: dict[str, Span],
) -> Iterator[PolicyFinding]:
    if len(models) == 1:
        start, end = _where(text, spans, f"tiers.{tier_name}.models", on_key=False)
        yield PolicyFinding(
            NO_FALLBACK,
            start,
            end,
            f"tier {tier_name!r} has no fallback: when {models[0][1]!r} is rate "
            "limited or down, its requests fail; add a second pinned model",
        )
        return
    primary = catalogue.get(models[0][1]) if models else None
    if primary is None:
        return
    for key, model_id in models[1:]:
        fallback = catalogue.get(model_id)
        if fallback is None or fallback.context_window >= primary.context_window:
            continue
        start, end = _where(text, spans, key, on_key=False)
        yield PolicyFinding(
            FALLBACK_CONTEXT,
            start,
            end,
            f"fallback {model_id!r} holds {fallback.context_window:,} tokens, less "
            f"than the {primary.context_window:,} of the primary {primary.id!r}: "
            "requests that fit the primary may fail when they fall back",
        )


def _staleness_findings(
    data: dict[str, Any], text: str, spans: dict[str, Span], today: datetime.date
) -> Iterator[PolicyFinding]:
    """Model figures older than `catalog.STALE_CATALOGUE_DAYS` on `today`.

    The policy's `catalogue_date` dates its `[[models]]` entries and vouches for the
    shipped entries it relies on, so a recent one stands for an older shipped
    catalogue. An old one is reported on its value where the policy has entries of
    its own, and on its key when the shipped catalogue is old too.
    """
    limit = catalog.STALE_CATALOGUE_DAYS
    checked = _declared_date(data.get("catalogue_date"))
    if checked is not None and checked > today:
        start, end = _where(text, spans, "catalogue_date", on_key=False)
        yield PolicyFinding(
            STALE_CATALOGUE,
            start,
            end,
            f"catalogue_date {checked} is after today ({today}): a mistyped date "
            "would keep every staleness warning away; set it to the day the model "
            "figures were checked",
        )
        checked = None
    recently_checked = checked is not None and (today - checked).days <= limit
    own_models = isinstance(data.get("models"), list) and bool(data["models"])
    if checked is not None and not recently_checked and own_models:
        start, end = _where(text, spans, "catalogue_date", on_key=False)
        yield PolicyFinding(
            STALE_CATALOGUE,
            start,
            end,
            f"the [[models]] entries were checked on {checked}, "
            f"{(today - checked).days} days ago (more than {limit}): providers may "
            "have retired those ids or changed their prices since; check them "
            "against the providers' pages, correct the entries and set "
            "catalogue_date to the day you checked",
        )
        return
    shipped = catalog.load().catalogue_date
    age_days = (today - shipped).days
    if age_days <= limit or recently_checked:
        return
    # On the policy's own (old) date where it gives one, else on the first line.
    start, end = _where(text, spans, "catalogue_date", on_key=True)
    yield PolicyFinding(
        STALE_CATALOGUE,
        start,
        end,
        f"the model catalogue shipped with llmops-ls is dated {shipped}, {age_days} "
        f"days ago (more than {limit}): the models the tiers name may have been "
        "retired and their prices changed since; upgrade llmops-ls for a refreshed "
        "catalogue, or check those models against the providers' pages, add current "
        "figures under [[models]] and set catalogue_date to the day you checked",
    )


def _declared_date(value: object) -> datetime.date | None:
    """A `catalogue_date` as a date; None when absent or invalid (schema reports it)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _tiers(
    data: dict[str, Any],
) -> Iterator[tuple[str, list[tuple[str, str]], tuple[str, str] | None]]:
    """Each tier's model ids (with keys) and canary, however broken the rest is."""
    tiers = data.get("tiers")
    if not isinstance(tiers, dict):
        return
    for name, tier in tiers.items():
        if not isinstance(tier, dict):
            continue
        raw_models = tier.get("models")
        models = [
            (f"tiers.{name}.models[{index}]", model_id)
            for index, model_id in enumerate(
                raw_models if isinstance(raw_models, list) else []
            )
            if isinstance(model_id, str)
        ]
        canary = tier.get("canary")
        canary_model = canary.get("model") if isinstance(canary, dict) else None
        yield (
            name,
            models,
            (f"tiers.{name}.canary.model", canary_model)
            if isinstance(canary_model, str)
            else None,
        )


def _catalogue(data: dict[str, Any]) -> catalog.ModelCatalogue:
    """The shipped catalogue extended by each valid `[[models]]` entry."""
    entries = data.get("models")
    valid: list[policy_module.CatalogueModel] = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            valid.append(policy_module.CatalogueModel.model_validate(entry))
        except ValidationError:
            continue
    return policy_module.extend_catalogue(valid)


def _where(
    text: str, spans: dict[str, Span], key: str | None, *, on_key: bool
) -> tuple[int, int]:
    """The value (or key) of `key`, its closest written parent, or the first line."""
    span = find(spans, key)
    if span is None:
        return _line_of(text, 0)
    if on_key and span.key_end > span.key_start:
        return span.key_start, span.key_end
    start, end = span.value_start, span.value_end
    # A one-line string: the diagnostic (and a fix) covers what is between the quotes.
    quoted = end - start >= 2 and text[start] in "\"'" and text[end - 1] == text[start]
    if quoted and "\n" not in text[start:end] and text[start + 1] != text[start]:
        return start + 1, end - 1
    return start, end


def _line_of(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1 if offset > 0 else 0
    end = text.find("\n", offset)
    return start, len(text) if end == -1 else end
