"""Rewrite the shipped model catalogue from LiteLLM's cost map.

Usage:
    pip download litellm==VERSION --no-deps -d /tmp/litellm-wheel
    .venv/bin/python scripts/update_catalogue.py \
        /tmp/litellm-wheel/litellm-VERSION-*.whl

The source is a LiteLLM wheel (the cost map is read from inside it, and the version
from its name) or the cost map itself, `model_prices_and_context_window_backup.json`,
with `--litellm-version`. Only the ids listed in `MODELS` below are written, each with
its list prices, input context window and deprecation date from the cost map; the
catalogue date is the day of the run (`--fetched` to state another). `--check` writes
nothing and exits 1 when the catalogue differs from what it would write on the date
the catalogue already has (so a later day alone is no difference).

Maintenance: add or remove ids in `MODELS` (direct-provider ids only, not the Bedrock,
Vertex or Azure variants), and put a deprecation date the cost map does not have yet in
`DEPRECATIONS` with its source. An id missing from the cost map is an error: LiteLLM
drops ids once their provider stops serving them, so it leaves the list too.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import textwrap
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CATALOGUE = (
    Path(__file__).resolve().parent.parent
    / "server"
    / "llmops_ls"
    / "catalog"
    / "models.toml"
)
COST_MAP = "litellm/model_prices_and_context_window_backup.json"

# Where each provider's ids sit in the cost map: its key prefix and `litellm_provider`.
PROVIDERS = {
    "anthropic": ("", "anthropic"),
    "openai": ("", "openai"),
    "google": ("gemini/", "gemini"),
    "mistral": ("mistral/", "mistral"),
}


@dataclass(frozen=True, slots=True)
class Listed:
    """One id of the catalogue: its provider, its moving aliases, its endpoints."""

    id: str
    provider: str
    aliases: tuple[str, ...] = ()
    suffix_completions: bool = False


# Newest first within each provider. Dated snapshots where the provider has them;
# undated ids only where the provider promises not to move them (Gemini's stable ids,
# Anthropic's ids from the 4.6 generation on).
MODELS = (
    Listed("claude-opus-4-7-20260416", "anthropic", ("claude-opus-4-7",)),
    Listed("claude-opus-4-6-20260205", "anthropic", ("claude-opus-4-6",)),
    Listed("claude-opus-4-5-20251101", "anthropic", ("claude-opus-4-5",)),
    Listed("claude-sonnet-4-6", "anthropic"),
    Listed("claude-sonnet-4-5-20250929", "anthropic", ("claude-sonnet-4-5",)),
    Listed("claude-haiku-4-5-20251001", "anthropic", ("claude-haiku-4-5",)),
    Listed("gpt-5.5-2026-04-23", "openai", ("gpt-5.5",)),
    Listed("gpt-5.4-2026-03-05", "openai", ("gpt-5.4",)),
    Listed("gpt-5.4-mini-2026-03-17", "openai", ("gpt-5.4-mini",)),
    Listed("gpt-5.4-nano-2026-03-17", "openai", ("gpt-5.4-nano",)),
    Listed("gpt-5.2-2025-12-11", "openai", ("gpt-5.2",)),
    Listed("gpt-5.1-2025-11-13", "openai", ("gpt-5.1",)),
    Listed("gpt-5-2025-08-07", "openai", ("gpt-5",)),
    Listed("gpt-4.1-2025-04-14", "openai", ("gpt-4.1",)),
    Listed("gpt-4.1-mini-2025-04-14", "openai", ("gpt-4.1-mini",)),
    Listed("gpt-4o-mini-2024-07-18", "openai", ("gpt-4o-mini",)),
    Listed("gemini-3.8-flash", "google"),
    Listed("gemini-3.5-flash", "google"),
    Listed("gemini-3.5-flash-lite", "google"),
    Listed("gemini-3.1-flash-lite", "google"),
    Listed("gemini-2.5-pro", "google"),
    Listed("gemini-2.5-flash", "google"),
    Listed("gemini-2.5-flash-lite", "google"),
    # Codestral fills in the middle (Mistral's FIM endpoint), which inline completions
    # use through the gateway's `/v1/completions` with a `suffix`.
    Listed("codestral-2508", "mistral", ("codestral-latest",), suffix_completions=True),
)

# Deprecation dates announced after the cost map was published: id -> (date, source).
DEPRECATIONS = {
    "claude-opus-4-5-20251101": (
        "2027-01-22",
        "Anthropic deprecated it on 2026-11-23 with this tentative retirement date, "
        "as modelpin 0.5.7's release notes (2026-11-26) read Anthropic's page "
        "https://platform.claude.com/docs/en/about-claude/model-deprecations",
    ),
}

_DATED = re.compile(r"-(\d{4})-?(\d{2})-?(\d{2})$")


class CostMapError(Exception):
    """The cost map lacks an id of the list, or describes it unexpectedly."""


def read_cost_map(source: Path, version: str | None) -> tuple[dict[str, Any], str]:
    """The cost map and the LiteLLM version it comes from."""
    if source.suffix == ".whl":
        match = re.match(r"litellm-([^-]+)-", source.name)
        if match is None:
            raise CostMapError(f"{source.name} is not named like a LiteLLM wheel")
        with zipfile.ZipFile(source) as wheel:
            data = json.loads(wheel.read(COST_MAP))
        return data, version or match.group(1)
    if version is None:
        raise CostMapError("--litellm-version is required with a JSON cost map")
    return json.loads(source.read_text(encoding="utf-8")), version


def released(model_id: str) -> str | None:
    """The release date a dated snapshot id carries, if it carries one."""
    match = _DATED.search(model_id)
    if match is None:
        return None
    return datetime.date(*(int(part) for part in match.groups())).isoformat()


def entry(listed: Listed, cost_map: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """One catalogue entry, and whether the provider charges more for long prompts."""
    prefix, litellm_provider = PROVIDERS[listed.provider]
    found = cost_map.get(prefix + listed.id)
    if not isinstance(found, dict):
        raise CostMapError(f"{prefix}{listed.id} is not in the cost map")
    if found.get("litellm_provider") != litellm_provider:
        raise CostMapError(
            f"{prefix}{listed.id} is served by {found.get('litellm_provider')!r}, "
            f"not {litellm_provider!r}"
        )
    for alias in listed.aliases:
        if prefix + alias not in cost_map:
            raise CostMapError(f"alias {prefix}{alias} is not in the cost map")

    deprecated, _ = DEPRECATIONS.get(listed.id, (found.get("deprecation_date"), ""))
    fields: dict[str, Any] = {
        "id": listed.id,
        "aliases": list(listed.aliases),
        "provider": listed.provider,
        "context_window": int(found["max_input_tokens"]),
        "input_per_million": per_million(found["input_cost_per_token"]),
        "output_per_million": per_million(found["output_cost_per_token"]),
        "released": released(listed.id),
        "deprecated": deprecated,
        "suffix_completions": listed.suffix_completions or None,
    }
    tiered = any(
        re.fullmatch(r"input_cost_per_token_above_\w+_tokens", key) for key in found
    )
    return fields, tiered


def per_million(per_token: object) -> float:
    """A price per token as a price per million tokens, without float noise."""
    return round(float(str(per_token)) * 1_000_000, 6)


def price(value: float) -> str:
    """A price with at least two decimals, as the catalogue has always written them."""
    text = f"{value:.2f}"
    return text if float(text) == value else repr(value)


def render(cost_map: dict[str, Any], version: str, fetched: datetime.date) -> str:
    """The whole catalogue file."""
    entries = [entry(listed, cost_map) for listed in MODELS]
    tiered = [fields["id"] for fields, has_tiers in entries if has_tiers]
    blocks = [_block(fields) for fields, _ in entries]
    header = HEADER.format(version=version, fetched=fetched.isoformat())
    notes = (
        "Deprecation dates announced after the cost map was published are added "
        "by the script, which names their source: "
        + _listing(DEPRECATIONS)
        + ". Where a provider charges more above a prompt-size threshold ("
        + _listing(tiered)
        + "), the price below is the lower tier."
    )
    wrapped = textwrap.wrap(notes, width=86, break_on_hyphens=False)
    return (
        header
        + "".join(f"# {line}\n" for line in wrapped)
        + f'\ncatalogue_date = "{fetched.isoformat()}"\ncurrency = "USD"\n\n'
        + "\n".join(blocks)
    )


def _listing(ids: Iterable[str]) -> str:
    return ", ".join(f"`{model_id}`" for model_id in ids) or "none"


def _block(fields: dict[str, Any]) -> str:
    lines = ["[[models]]", f'id = "{fields["id"]}"']
    if fields["aliases"]:
        aliases = ", ".join(f'"{alias}"' for alias in fields["aliases"])
        lines.append(f"aliases = [{aliases}]")
    lines += [
        f'provider = "{fields["provider"]}"',
        f"context_window = {fields['context_window']}",
        f"input_per_million = {price(fields['input_per_million'])}",
        f"output_per_million = {price(fields['output_per_million'])}",
    ]
    for key in ("released", "deprecated"):
        if fields[key]:
            lines.append(f'{key} = "{fields[key]}"')
    if fields["suffix_completions"]:
        lines.append("suffix_completions = true")
    return "\n".join(lines) + "\n"


HEADER = """\
# The model catalogue shipped with llmops-ls.
#
# Written by `scripts/update_catalogue.py` from LiteLLM's cost map
# (`model_prices_and_context_window_backup.json`) of LiteLLM {version}, fetched on
# {fetched}; edit the list of ids in that script and run it again rather than this
# file.
#
# Prices are LIST PRICES in US dollars per million tokens, as the cost map gives them
# on the catalogue date below, for standard (non-batch, uncached) requests.
# Negotiated discounts, batch, priority and cached-input prices, regional surcharges
# and price changes after that date are not reflected: treat every cost shown from
# this file as an estimate and check the provider's page before budgeting.
#
# `id` is the pinned model id sent to the provider; `context_window` is the most input
# tokens it takes. `aliases` are the provider's moving names for the id (refused where
# a pinned id is required, and answered with the id). `released` and `deprecated` are
# ISO dates: `released` is the date a snapshot id carries (absent for undated ids);
# `deprecated` is the date the provider stops serving the id (absent where none was
# announced on the catalogue date).
# `suffix_completions = true` marks a model that fills in the middle on the
# `/v1/completions` endpoint with a `suffix` (a code model trained for it); inline
# completions then send prefix and suffix as such instead of a chat prompt. The other
# models are chat models without such an endpoint.
"""


def main() -> int:
    """Rewrite (or check) the catalogue; 0 when done or unchanged, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="LiteLLM wheel or cost map JSON")
    parser.add_argument("--litellm-version", help="version the cost map comes from")
    parser.add_argument(
        "--fetched",
        type=datetime.date.fromisoformat,
        help="day the cost map was fetched (default: today; with --check, the "
        "catalogue's own date)",
    )
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()

    try:
        current = args.catalogue.read_text(encoding="utf-8")
        fetched = args.fetched
        if fetched is None:
            fetched = (
                datetime.date.fromisoformat(tomllib.loads(current)["catalogue_date"])
                if args.check
                else datetime.date.today()
            )
        cost_map, version = read_cost_map(args.source, args.litellm_version)
        text = render(cost_map, version, fetched)
    except (OSError, KeyError, ValueError, CostMapError) as exc:
        sys.stderr.write(f"update_catalogue: {exc}\n")
        return 1

    if args.check:
        if current != text:
            sys.stderr.write(f"{args.catalogue} differs from the cost map\n")
            return 1
        return 0
    args.catalogue.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {len(MODELS)} models to {args.catalogue}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
