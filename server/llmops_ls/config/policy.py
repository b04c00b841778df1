"""The organisation policy: gateway, tiers of pinned models, budgets, content filter.

Where it comes from, first found wins:

1. the file named by `LLMOPS_POLICY` (an error if it does not exist);
2. `/etc/llmops/policy.toml`, the path a workspace template bakes the policy into;
3. `default_policy.toml` shipped beside this module, so everything works without one.

Every key is validated. An unknown key, a wrong type, an unpinned or unknown model id,
or an id past its deprecation date is a `ConfigError` naming the file and the key. An id
within `DEPRECATION_WARNING_DAYS` of its date loads, with a warning in
`LoadedPolicy.warnings` (and in the log).
"""

from __future__ import annotations

import datetime
import fnmatch
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from llmops_ls import catalog
from llmops_ls.config import policy_file
from llmops_ls.config.policy_file import policy_path
from llmops_ls.errors import ConfigError

logger = logging.getLogger(__name__)

# Where the policy file is found is part of this module's interface too.
POLICY_ENV = policy_file.POLICY_ENV
DEFAULT_POLICY_PATH = policy_file.DEFAULT_POLICY_PATH


#: Default score from which each of the default tiers is chosen (see routing).
DEFAULT_MIN_SCORES = {"fast": 0.0, "standard": 0.35, "frontier": 0.65}

_TIER_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_LOCKED_KEY = re.compile(r"^[a-z_][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gateway(_Strict):
    """The `[gateway]` table: where requests go and where its key is kept."""

    base_url: str = Field(
        "http://127.0.0.1:4000",
        description="Base URL of the OpenAI-compatible gateway (without `/v1`).",
    )
    key_env: str | None = Field(
        "LLMOPS_GATEWAY_KEY",
        description="Environment variable holding the gateway key.",
    )
    key_file: str | None = Field(
        None,
        description="File holding the gateway key, read when the variable is unset.",
    )
    connect_timeout_seconds: float = Field(5.0, gt=0)
    first_token_timeout_seconds: float = Field(20.0, gt=0)
    total_timeout_seconds: float = Field(300.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    def read_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The gateway key from the variable, else the file; never logged or kept."""
        environ = os.environ if environ is None else environ
        if self.key_env and environ.get(self.key_env):
            return environ[self.key_env]
        if self.key_file:
            try:
                return Path(self.key_file).read_text(encoding="utf-8").strip() or None
            except OSError as exc:
                logger.warning("gateway key file %s unreadable: %s", self.key_file, exc)
        return None


class Canary(_Strict):
    """A model tried on a stable share of developers before it replaces the primary."""

    model: str = Field(description="Pinned id of the candidate model.")
    percent: float = Field(
        ge=0, le=100, description="Share of developers routed to it, 0-100."
    )


class Tier(_Strict):
    """One tier: its pinned models in order of preference, and the score for it."""

    models: list[str] = Field(
        min_length=1,
        description="Pinned ids: the primary, then the fallbacks in order.",
    )
    min_score: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Lowest complexity score routed to this tier; defaults for `fast` "
        "(0), `standard` (0.35) and `frontier` (0.65), required for other tiers.",
    )
    canary: Canary | None = None

    @property
    def primary(self) -> str:
        """The first model of the tier."""
        return self.models[0]

    @property
    def fallbacks(self) -> list[str]:
        """The models tried after the primary, in order."""
        return self.models[1:]


class Budgets(_Strict):
    """The `[budgets]` table: spend limits and when to start saving."""

    currency: str = Field("USD", description="Currency of the limits (ISO 4217).")
    developer_daily: float | None = Field(
        None, gt=0, description="Most one developer may spend per day; none if unset."
    )
    team_monthly: float | None = Field(
        None, gt=0, description="Most one team may spend per month; none if unset."
    )
    degrade_at: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Share of a budget from which requests go one tier cheaper.",
    )
    timezone: str = Field(
        "UTC", description="Time zone in which days and months start (IANA name)."
    )

    @field_validator("currency")
    @classmethod
    def _usd_only(cls, value: str) -> str:
        if not _CURRENCY.match(value):
            raise ValueError("must be a three-letter currency code such as USD")
        # The catalogue's prices are in USD: a budget in another currency would
        # compare unlike units without an exchange rate, which the policy has not.
        if value != "USD":
            raise ValueError("only USD is supported: catalogue prices are in USD")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The time zone budgets reset in."""
        return ZoneInfo(self.timezone)


#: Files never attached to a request, whatever a policy says: environment files,
#: certificates and private keys, and credentials files.
NEVER_ATTACH = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
)


class ContentFilter(_Strict):
    """The `[content_filter]` table: what happens to secrets in outgoing text."""

    action: Literal["redact", "block"] = Field(
        "redact",
        description="`redact` replaces each secret found before sending; `block` "
        "refuses to send.",
    )
    never_attach: list[str] = Field(
        default_factory=list,
        description="Glob patterns of file names (or relative paths) never attached, "
        "in addition to the built-in ones: " + ", ".join(NEVER_ATTACH) + ".",
    )

    def may_attach(self, relative_path: str) -> bool:
        """Whether a file may be attached to a request at all.

        The built-in patterns always apply: a policy adds to them, and cannot
        let a `.env` or a private key through by leaving them out.
        """
        name = relative_path.rsplit("/", 1)[-1]
        return not any(
            fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(relative_path, p)
            for p in (*NEVER_ATTACH, *self.never_attach)
        )


_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost")


class Telemetry(_Strict):
    """The `[telemetry]` table: where events go, what is kept, for how long."""

    endpoint: str | None = Field(
        None,
        description="Base URL of the OTLP/HTTP receiver (`/v1/logs` and `/v1/metrics` "
        "are appended); HTTPS unless loopback. Unset: everything stays local.",
    )
    protocol: Literal["http/protobuf", "http/json"] = Field(
        "http/protobuf", description="OTLP encoding."
    )
    compression: Literal["gzip", "none"] = Field("gzip")
    auth_header: str = Field(
        "Authorization", description="Header that carries the credential."
    )
    auth_env: str | None = Field(
        "LLMOPS_TELEMETRY_AUTH",
        description="Environment variable holding the header's value (e.g. "
        "`Bearer ...`); never written in the policy itself.",
    )
    flush_interval_seconds: float = Field(30.0, gt=0)
    batch_size: int = Field(1000, gt=0, le=10000, description="Records per request.")
    timeout_seconds: float = Field(10.0, gt=0, description="Per HTTP request.")
    shutdown_timeout_seconds: float = Field(
        5.0, ge=0, description="Longest wait for a last flush when the server stops."
    )
    store_path: str | None = Field(
        None,
        description="SQLite file; default `$XDG_STATE_HOME/llmops-ls/telemetry.db`.",
    )
    store_text: bool = Field(
        False,
        description="Keep prompt and completion text (redacted) in the local store.",
    )
    retention_days: float = Field(30.0, gt=0, description="Sent events kept this long.")
    max_store_mb: float = Field(
        256.0, gt=0, description="Size above which sent events are pruned first."
    )
    max_unsent_events: int = Field(
        2_000_000,
        gt=0,
        description="Hard cap: beyond it the oldest unsent events are dropped (and "
        "reported).",
    )
    team: str | None = Field(None, description="Team attributed by default.")
    project: str | None = Field(None, description="Project attributed by default.")

    @field_validator("endpoint")
    @classmethod
    def _secure_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value.rstrip("/")
        if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
            return value.rstrip("/")
        raise ValueError("must be an https:// URL (http:// only to a loopback address)")


class CatalogueModel(_Strict):
    """A model the policy adds to (or overrides in) the shipped catalogue."""

    id: str
    provider: str
    context_window: int = Field(gt=0)
    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)
    released: datetime.date | None = None
    deprecated: datetime.date | None = None
    aliases: list[str] = Field(default_factory=list)
    suffix_completions: bool = Field(
        False,
        description="Whether the model fills in the middle on `/v1/completions` with "
        "a `suffix`; inline completions then use it instead of a chat prompt.",
    )


class Routing(_Strict):
    """The `[routing]` table: how tiers are chosen and how far a developer's own
    choice of tier goes."""

    requested_tier: Literal["honour", "raise_only", "ignore"] = Field(
        "honour",
        description="What happens when the editor asks for a tier (a chat's `tier`): "
        "`honour` sends the request to that tier; `raise_only` does so only when it "
        "is more capable than the tier the router chose, and keeps the router's tier "
        "otherwise; `ignore` always keeps the router's tier. Budgets apply after it "
        "either way.",
    )
    classifier: Literal["combined", "trained", "signals"] = Field(
        "combined",
        description="How a request's tier is chosen: `signals`, hand-written signal "
        "families scored against each tier's `min_score`; `trained`, a linear model "
        "over the request's words, kind and size, fitted on labelled requests; "
        "`combined`, the more capable of the two. `trained` and `combined` need "
        "exactly three tiers, cheapest first, and otherwise fall back to `signals`. "
        "Inline completions are not classified: `inline_tier` says where they go.",
    )
    inline_tier: str | None = Field(
        None,
        description="The tier of every inline completion; the cheapest tier when "
        "unset. A completion is asked for on each pause in typing and is useful only "
        "if it arrives before the next keystroke, so latency decides rather than "
        "depth. A more capable tier gives better completions of hard code at the "
        "cost of slower ghost text; models without fill-in-the-middle support are "
        "asked through chat.",
    )


class Policy(_Strict):
    """The organisation policy file."""

    gateway: Gateway = Field(default_factory=Gateway)
    tiers: dict[str, Tier] = Field(
        min_length=1, description="Tiers from the cheapest to the most capable."
    )
    budgets: Budgets = Field(default_factory=Budgets)
    routing: Routing = Field(default_factory=Routing)
    content_filter: ContentFilter = Field(default_factory=ContentFilter)
    telemetry: Telemetry = Field(default_factory=Telemetry)
    locked: list[str] = Field(
        default_factory=list,
        description="Dotted keys (or whole tables) lower layers may not change.",
    )
    models: list[CatalogueModel] = Field(
        default_factory=list, description="Models added to the shipped catalogue."
    )
    catalogue_date: datetime.date | None = Field(
        None,
        description="Day the prices and deprecation dates of the models this policy "
        "names were last checked (the `[[models]]` entries and the shipped "
        "catalogue's). The policy linter warns when it is older than 180 days; a "
        "recent date also stands for an older shipped catalogue.",
    )

    def min_score(self, tier: str) -> float:
        """The lowest complexity score routed to `tier`."""
        declared = self.tiers[tier].min_score
        return DEFAULT_MIN_SCORES[tier] if declared is None else declared

    def tier_order(self) -> list[str]:
        """Tier names from the cheapest (lowest score) to the most capable."""
        return sorted(self.tiers, key=self.min_score)

    def catalogue(self) -> catalog.ModelCatalogue:
        """The shipped catalogue extended by the policy's own models."""
        return extend_catalogue(self.models)

    def is_locked(self, key: str) -> bool:
        """Whether a dotted setting key is locked, itself or through a parent table."""
        return any(key == lock or key.startswith(lock + ".") for lock in self.locked)


def extend_catalogue(models: Iterable[CatalogueModel]) -> catalog.ModelCatalogue:
    """The shipped catalogue with a policy's own models added (or overriding)."""
    return catalog.load().extended(
        catalog.Model(
            id=m.id,
            provider=m.provider,
            context_window=m.context_window,
            input_per_million=m.input_per_million,
            output_per_million=m.output_per_million,
            released=m.released,
            deprecated=m.deprecated,
            aliases=tuple(m.aliases),
            suffix_completions=m.suffix_completions,
        )
        for m in models
    )


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    """A validated policy, the file it came from, and warnings found while loading."""

    policy: Policy
    path: Path
    warnings: tuple[str, ...] = ()


def load_policy(
    environ: Mapping[str, str] | None = None, today: datetime.date | None = None
) -> LoadedPolicy:
    """Find, read and validate the policy; ConfigError naming the key if invalid."""
    path = policy_path(environ)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc}") from None
    loaded = parse_policy(text, path, today)
    for warning in loaded.warnings:
        logger.warning("%s: %s", path, warning)
    return loaded


def parse_policy(
    text: str, path: Path, today: datetime.date | None = None
) -> LoadedPolicy:
    """Validate the text of a policy file (an editor buffer, say)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"invalid TOML: {exc}") from None
    return validate_policy(data, path, today)


def validate_policy(
    data: dict[str, Any], path: Path, today: datetime.date | None = None
) -> LoadedPolicy:
    """Validate a policy table, including every model id against the catalogue."""
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ConfigError(
            str(path), key_name(error["loc"]), friendly_error(error)
        ) from None
    warnings = _check_semantics(policy, str(path), today or catalog.utc_today())
    return LoadedPolicy(policy=policy, path=path, warnings=tuple(warnings))


def _check_semantics(policy: Policy, path: str, today: datetime.date) -> list[str]:
    check_structure(policy, path)
    catalogue = policy.catalogue()
    warnings: list[str] = []
    for key, model_id in model_references(policy):
        problem = model_problem(catalogue, model_id, today)
        if problem is None:
            continue
        if problem.kind != "retiring":
            raise ConfigError(path, key, problem.message)
        warnings.append(f"{key}: {problem.message}")
    return warnings


def check_structure(policy: Policy, path: str) -> None:
    """ConfigError for tier names, scores and locked keys the schema cannot express."""
    scores: dict[float, str] = {}
    for name, tier in policy.tiers.items():
        if not _TIER_NAME.match(name):
            raise ConfigError(
                path, f"tiers.{name}", "tier names are lower-case letters, digits, - _"
            )
        if tier.min_score is None and name not in DEFAULT_MIN_SCORES:
            raise ConfigError(
                path,
                f"tiers.{name}.min_score",
                "required for a tier not named fast, standard or frontier",
            )
        score = policy.min_score(name)
        if score in scores:
            raise ConfigError(
                path,
                f"tiers.{name}.min_score",
                f"same score ({score}) as tier {scores[score]!r}; each tier needs its "
                "own",
            )
        scores[score] = name
    if 0.0 not in scores:
        raise ConfigError(
            path,
            "tiers",
            "one tier must take score 0 (min_score = 0), or no tier "
            "would receive the simplest requests",
        )
    inline_tier = policy.routing.inline_tier
    if inline_tier is not None and inline_tier not in policy.tiers:
        raise ConfigError(
            path,
            "routing.inline_tier",
            f"no tier named {inline_tier!r}; the policy's tiers are "
            + ", ".join(policy.tier_order()),
        )
    for index, lock in enumerate(policy.locked):
        if not _LOCKED_KEY.match(lock):
            raise ConfigError(path, f"locked[{index}]", f"{lock!r} is no dotted key")


def model_references(policy: Policy) -> list[tuple[str, str]]:
    """Every model id the policy names, with its dotted key, in file order."""
    references: list[tuple[str, str]] = []
    for name, tier in policy.tiers.items():
        for index, model_id in enumerate(tier.models):
            references.append((f"tiers.{name}.models[{index}]", model_id))
        if tier.canary is not None:
            references.append((f"tiers.{name}.canary.model", tier.canary.model))
    return references


ProblemKind = Literal["unpinned", "unknown", "deprecated", "retiring"]


@dataclass(frozen=True, slots=True)
class ModelProblem:
    """Why a model id may not (or soon may not) be used; `pin` is the id to use."""

    kind: ProblemKind
    message: str
    pin: str | None = None


def model_problem(
    catalogue: catalog.ModelCatalogue, model_id: str, today: datetime.date
) -> ModelProblem | None:
    """What is wrong with naming `model_id` in a policy on `today`, if anything.

    `retiring` (deprecated within `DEPRECATION_WARNING_DAYS`) only warns; the other
    kinds make the policy invalid.
    """
    problem = catalog.pin_problem(model_id, catalogue)
    if problem is not None:
        target = catalogue.by_alias(model_id)
        return ModelProblem("unpinned", problem, target.id if target else None)
    model = catalogue.get(model_id)
    if model is None:
        return ModelProblem(
            "unknown",
            f"unknown model {model_id!r}: not in the catalogue; add it under "
            "[[models]] with its context window and prices",
        )
    days = model.days_to_deprecation(today)
    if days is None or days > catalog.DEPRECATION_WARNING_DAYS:
        return None
    if days <= 0:
        return ModelProblem(
            "deprecated",
            f"{model_id!r} was deprecated on {model.deprecated}; pin its successor",
        )
    return ModelProblem(
        "retiring",
        f"{model_id!r} is deprecated on {model.deprecated} (in {days} days); "
        "pin its successor",
    )


def key_name(location: tuple[int | str, ...]) -> str:
    """The dotted key of a pydantic error location: `tiers.fast.models[1]`."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def friendly_error(error: Any) -> str:
    """The message of a pydantic error, as a policy author should read it."""
    if error["type"] == "extra_forbidden":
        return "unknown key (check the spelling; `docs/policy.md` lists the keys)"
    message = str(error["msg"])
    # pydantic prefixes messages of our own validators with "Value error, ".
    return message.removeprefix("Value error, ")
