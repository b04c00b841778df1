"""The catalogue is the one source of rule facts: examples, docs, registry agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linting import on_shipped_catalogue_day, run_lint, write_tree
from llmops_ls.linter import catalogue, checks
from llmops_ls.linter.registry import CHECKS
from llmops_ls.rules_doc import index_markdown, rule_markdown

RULES = sorted(catalogue.load().values(), key=lambda r: r.code)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def test_codes_and_names_are_unique_and_well_formed() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"LL\d{3}", rule.code), rule.code
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name), rule.name


def test_every_rule_has_a_check_and_every_check_a_rule() -> None:
    checks.load_all()
    reported = set().union(*(c.rules for c in CHECKS))
    engine_reported = {"unused-suppression"}
    assert reported | engine_reported == {r.name for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_bad_example_triggers_the_rule(
    rule: catalogue.Rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The policy examples are dated: read on the day the shipped catalogue was.
    on_shipped_catalogue_day(monkeypatch)
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, dict(rule.example.files))
    write_tree(tmp_path, {rule.example.path: rule.example.bad_content()})
    result = run_lint(tmp_path)
    assert rule.name in {f.rule for f in result.findings}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_good_example_does_not_trigger_it(
    rule: catalogue.Rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_shipped_catalogue_day(monkeypatch)
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, dict(rule.example.files))
    write_tree(tmp_path, {rule.example.path: rule.example.good})
    result = run_lint(tmp_path)
    assert rule.name not in {f.rule for f in result.findings}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_documentation_page_is_generated_from_the_catalogue(
    rule: catalogue.Rule,
) -> None:
    page = DOCS / f"{rule.name}.md"
    assert page.is_file(), "run `python -m llmops_ls.rules_doc` to regenerate docs"
    assert page.read_text(encoding="utf-8") == rule_markdown(rule)


def test_rules_index_lists_every_rule() -> None:
    assert (DOCS / "README.md").read_text(encoding="utf-8") == index_markdown(RULES)
    stale = {p.stem for p in DOCS.glob("*.md")} - {r.name for r in RULES} - {"README"}
    assert not stale


def test_parsed_rules_are_kept_and_read_back_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMOPS_LS_CACHE_DIR", str(tmp_path))
    catalogue.load.cache_clear()
    try:
        first = catalogue.load()
        assert list((tmp_path / "rules").iterdir())
        catalogue.load.cache_clear()

        def parsed_again(path: Path) -> catalogue.Rule:
            raise AssertionError(f"{path.name} was parsed again")

        monkeypatch.setattr(catalogue, "_read", parsed_again)
        assert catalogue.load() == first
    finally:
        catalogue.load.cache_clear()


def test_a_damaged_kept_catalogue_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMOPS_LS_CACHE_DIR", str(tmp_path))
    catalogue.load.cache_clear()
    try:
        first = catalogue.load()
        for kept in (tmp_path / "rules").iterdir():
            kept.write_bytes(b"not a pickle")
        catalogue.load.cache_clear()
        assert catalogue.load() == first
    finally:
        catalogue.load.cache_clear()
