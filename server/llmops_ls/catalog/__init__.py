"""The model catalogue: pinned ids, context windows, list prices and deprecation dates.

The data lives in `models.toml` beside this module. Prices there are list prices on the
catalogue date, so every cost computed from them is an estimate.
"""

from __future__ import annotations

import datetime
import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from llmops_ls.errors import CatalogueError

CATALOGUE_PATH = Path(__file__).with_name("models.toml")
TOKENS_PER_MILLION = 1_000_000


def utc_today() -> datetime.date:
    """Today in UTC, the day every deprecation and catalogue date is compared with.

    The router dates its decisions in UTC; the policy linter and loader use the same
    day, so that they agree on a model's deprecation wherever the machine is.
    """
    return datetime.datetime.now(datetime.UTC).date()


#: How long before its deprecation date a pinned id starts to draw a warning.
DEPRECATION_WARNING_DAYS = 60
#: Age in days beyond which a catalogue's prices and deprecation dates draw a warning:
#: in that time providers have retired snapshots and changed prices more than once.
STALE_CATALOGUE_DAYS = 180

# A word that names a moving target, wherever it sits in the id.
_MOVING_ALIAS = re.compile(r"(?:^|[-_.:/@])latest(?:$|[-_.:/@])", re.IGNORECASE)
# Dated (`-20250514`, `-2025-08-07`, `@20241022`) or numbered (`-001`) suffixes are how
# providers pin a snapshot; an id without one may be moved to a newer snapshot.
_SNAPSHOT_SUFFIX = re.compile(r"(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-\d{2}-\d{2}|-\d{3})$")


@dataclass(frozen=True, slots=True)
class Model:
    """One pinned model id and what it costs."""

    id: str
    provider: str
    context_window: int
    input_per_million: float
    output_per_million: float
    released: datetime.date | None = None
    deprecated: datetime.date | None = None
    aliases: tuple[str, ...] = ()
    # Whether the provider fills in the middle on `/v1/completions` with `suffix`.
    suffix_completions: bool = False

    def input_cost(self, tokens: int) -> float:
        """The list price in dollars of sending `tokens` input tokens once."""
        return tokens * self.input_per_million / TOKENS_PER_MILLION

    def output_cost(self, tokens: int) -> float:
        """The list price in dollars of receiving `tokens` output tokens."""
        return tokens * self.output_per_million / TOKENS_PER_MILLION

    def days_to_deprecation(self, today: datetime.date) -> int | None:
        """Days left before the id stops being served (negative once past), if known."""
        if self.deprecated is None:
            return None
        return (self.deprecated - today).days

    def is_deprecated(self, today: datetime.date) -> bool:
        """Whether the provider has announced the id's end and that date has passed."""
        return self.deprecated is not None and today >= self.deprecated


@dataclass(frozen=True, slots=True)
class ModelCatalogue:
    """Every model of the catalogue, with the date its prices were taken."""

    catalogue_date: datetime.date
    currency: str
    models: tuple[Model, ...]

    def get(self, model_id: str) -> Model | None:
        """The model with a pinned id, if catalogued."""
        return next((m for m in self.models if m.id == model_id), None)

    def by_alias(self, alias: str) -> Model | None:
        """The model a moving alias (`gpt-5.4`, say) points at today, if known."""
        return next((m for m in self.models if alias in m.aliases), None)

    def is_pinned(self, model_id: str) -> bool:
        """Whether `model_id` names one fixed snapshot rather than a moving alias."""
        return pin_problem(model_id, self) is None

    def extended(self, models: Iterable[Model]) -> ModelCatalogue:
        """This catalogue with `models` added; an added id replaces a shipped one."""
        added = {m.id: m for m in models}
        kept = tuple(m for m in self.models if m.id not in added)
        return replace(self, models=kept + tuple(added.values()))


def is_pinned(model_id: str, catalogue: ModelCatalogue | None = None) -> bool:
    """Whether `model_id` is a pinned snapshot id (`pin_problem` says why not)."""
    return pin_problem(model_id, catalogue) is None


def pin_problem(model_id: str, catalogue: ModelCatalogue | None = None) -> str | None:
    """Why `model_id` is not a pinned id, or None when it is.

    `latest` anywhere refuses the id. A catalogued id is pinned: the catalogue lists
    snapshots only, including stable ids without a date that their provider promises
    never to move (Gemini's `gemini-3.5-flash`, Anthropic's `claude-sonnet-4-6`). A
    catalogued alias is refused with the snapshot it points at today. Any other id
    must end in a date or a snapshot number.
    """
    catalogue = catalogue or load()
    target = catalogue.by_alias(model_id)
    if target is None and _MOVING_ALIAS.search(model_id):
        return f"{model_id!r} is a moving alias ('latest'); name a dated snapshot id"
    if target is None and catalogue.get(model_id) is not None:
        return None
    if target is not None:
        return (
            f"{model_id!r} is an alias that moves to newer snapshots; "
            f"pin {target.id!r} instead"
        )
    if _SNAPSHOT_SUFFIX.search(model_id) is None:
        return (
            f"{model_id!r} has no date or snapshot number, so its provider may change "
            "the model behind it; name a dated snapshot id"
        )
    return None


@functools.cache
def load(path: Path = CATALOGUE_PATH) -> ModelCatalogue:
    """Read the catalogue once per process; CatalogueError when it is malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        models = tuple(_model(entry) for entry in data["models"])
        return ModelCatalogue(
            catalogue_date=_date(data["catalogue_date"]) or datetime.date.min,
            currency=str(data.get("currency", "USD")),
            models=models,
        )
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path.name}: {exc}") from exc


def _model(entry: dict[str, object]) -> Model:
    return Model(
        id=str(entry["id"]),
        provider=str(entry["provider"]),
        context_window=int(str(entry["context_window"])),
        input_per_million=float(str(entry["input_per_million"])),
        output_per_million=float(str(entry["output_per_million"])),
        released=_date(entry.get("released")),
        deprecated=_date(entry.get("deprecated")),
        aliases=tuple(str(a) for a in _list(entry.get("aliases"))),
        suffix_completions=entry.get("suffix_completions", False) is True,
    )


def _list(value: object) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {value!r}")
    return value


def _date(value: object) -> datetime.date | None:
    # tomllib returns bare dates as datetime.date; quoted ones arrive as strings.
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))
