"""The model catalogue: pinned ids, context windows, list prices and deprecation dates.

The data lives in `models.toml` beside this module. Prices there are list prices on the
catalogue date, so every cost computed from them is an estimate.
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from llmops_ls.errors import CatalogueError

CATALOGUE_PATH = Path(__file__).with_name("models.toml")
TOKENS_PER_MILLION = 1_000_000


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

    def input_cost(self, tokens: int) -> float:
        """The list price in dollars of sending `tokens` input tokens once."""
        return tokens * self.input_per_million / TOKENS_PER_MILLION

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
    )


def _date(value: object) -> datetime.date | None:
    # tomllib returns bare dates as datetime.date; quoted ones arrive as strings.
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))
