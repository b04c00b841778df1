"""`scripts/update_catalogue.py`: the shipped catalogue from LiteLLM's cost map."""

from __future__ import annotations

import datetime
import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from llmops_ls import catalog

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "update_catalogue.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_catalogue", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


COST_MAP = {
    "acme-large-20260301": {
        "litellm_provider": "anthropic",
        "max_input_tokens": 1000000,
        "input_cost_per_token": 5e-06,
        "output_cost_per_token": 2.5e-05,
    },
    "acme-large": {"litellm_provider": "anthropic"},
    "gemini/acme-flash": {
        "litellm_provider": "gemini",
        "max_input_tokens": 1048576,
        "input_cost_per_token": 3e-07,
        "output_cost_per_token": 2.5e-06,
        "input_cost_per_token_above_200k_tokens": 6e-07,
        "deprecation_date": "2027-03-01",
    },
    "mistral/acme-code-2508": {
        "litellm_provider": "mistral",
        "max_input_tokens": 128000,
        "input_cost_per_token": 3e-07,
        "output_cost_per_token": 9e-07,
    },
    # A partner's variant of the same model: not what the list names.
    "vertex_ai/acme-flash": {"litellm_provider": "vertex_ai-language-models"},
}


@pytest.fixture
def listed(script: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        script,
        "MODELS",
        (
            script.Listed("acme-large-20260301", "anthropic", ("acme-large",)),
            script.Listed("acme-flash", "google"),
            script.Listed("acme-code-2508", "mistral", suffix_completions=True),
        ),
    )
    monkeypatch.setattr(
        script, "DEPRECATIONS", {"acme-large-20260301": ("2027-02-01", "a notice")}
    )


def write_wheel(folder: Path, cost_map: dict[str, object]) -> Path:
    wheel = folder / "litellm-9.8.7-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(
            "litellm/model_prices_and_context_window_backup.json",
            json.dumps(cost_map),
        )
    return wheel


def test_catalogue_is_written_from_the_cost_map_of_a_wheel(
    script: ModuleType, listed: None, tmp_path: Path
) -> None:
    cost_map, version = script.read_cost_map(write_wheel(tmp_path, COST_MAP), None)
    text = script.render(cost_map, version, datetime.date(2026, 12, 3))
    path = tmp_path / "models.toml"
    path.write_text(text, encoding="utf-8")

    loaded = catalog.load(path)
    assert loaded.catalogue_date == datetime.date(2026, 12, 3)
    large, flash, code = loaded.models
    assert large.id == "acme-large-20260301" and large.aliases == ("acme-large",)
    assert (large.input_per_million, large.output_per_million) == (5.0, 25.0)
    assert large.context_window == 1_000_000
    assert large.released == datetime.date(2026, 3, 1)  # from the dated id
    assert large.deprecated == datetime.date(2027, 2, 1)  # from DEPRECATIONS
    assert flash.id == "acme-flash" and flash.provider == "google"
    assert flash.released is None  # undated, and the cost map has no release dates
    assert flash.deprecated == datetime.date(2027, 3, 1)
    assert (flash.input_per_million, flash.output_per_million) == (0.3, 2.5)
    assert code.suffix_completions and not flash.suffix_completions
    assert "LiteLLM 9.8.7, fetched on\n# 2026-12-03" in text
    assert "LIST PRICES" in text
    assert "threshold (`acme-flash`)" in text


def test_an_id_missing_from_the_cost_map_is_an_error(
    script: ModuleType, listed: None
) -> None:
    cost_map = {k: v for k, v in COST_MAP.items() if k != "gemini/acme-flash"}
    with pytest.raises(script.CostMapError, match="gemini/acme-flash"):
        script.render(cost_map, "1", datetime.date(2026, 12, 3))


def test_a_partner_variant_is_not_taken_for_the_provider(
    script: ModuleType, listed: None
) -> None:
    cost_map = dict(COST_MAP)
    cost_map["gemini/acme-flash"] = {"litellm_provider": "vertex_ai-language-models"}
    with pytest.raises(script.CostMapError, match="not 'gemini'"):
        script.render(cost_map, "1", datetime.date(2026, 12, 3))


def test_shipped_catalogue_holds_exactly_the_listed_ids(script: ModuleType) -> None:
    shipped = catalog.load()
    assert [m.id for m in shipped.models] == [m.id for m in script.MODELS]
    for listed_model in script.MODELS:
        model = shipped.get(listed_model.id)
        assert model is not None and model.aliases == listed_model.aliases
        if model.released is not None:
            assert model.released.strftime("%Y%m%d") in model.id.replace("-", "")


def test_shipped_catalogue_is_fresh() -> None:
    # Fails once the catalogue is old enough for the policy linter to warn about it;
    # refreshing it (see scripts/update_catalogue.py) is then due before a release.
    age = datetime.date.today() - catalog.load().catalogue_date
    assert age.days <= catalog.STALE_CATALOGUE_DAYS, (
        "the shipped model catalogue is stale: run scripts/update_catalogue.py"
    )


def test_check_compares_on_the_catalogues_own_date(
    script: ModuleType,
    listed: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wheel = write_wheel(tmp_path, COST_MAP)
    catalogue = tmp_path / "models.toml"
    catalogue.write_text(
        script.render(COST_MAP, "9.8.7", datetime.date(2026, 11, 1)), encoding="utf-8"
    )

    def run(*extra: str) -> int:
        argv = ["update_catalogue.py", str(wheel), "--catalogue", str(catalogue)]
        monkeypatch.setattr(sys, "argv", [*argv, *extra])
        return int(script.main())

    # Any later day: the same cost map is no difference.
    assert run("--check") == 0
    changed = dict(COST_MAP)
    changed["mistral/acme-code-2508"] = {
        **COST_MAP["mistral/acme-code-2508"],  # type: ignore[dict-item]
        "input_cost_per_token": 4e-07,
    }
    write_wheel(tmp_path, changed)
    assert run("--check") == 1
