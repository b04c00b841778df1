"""Findings kept between runs equal a fresh lint, whatever changed in between."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linting import run_lint, write_tree
from llmops_ls.linter import resultcache
from llmops_ls.linter.engine import LintResult
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.resultcache import ResultCache
from llmops_ls.linter.settings import LintSettings

ALL = LintSettings(select=None)


def lint(
    root: Path, cache_dir: Path | None, lint_settings: LintSettings = ALL
) -> tuple[LintResult, ResultCache | None]:
    """Lint `root` as the command line does, with a cache in `cache_dir` if given."""
    cache = (
        None if cache_dir is None else ResultCache.open(root, lint_settings, cache_dir)
    )
    return run_lint(root, lint_settings, cache=cache), cache


def fresh(root: Path) -> list[Finding]:
    """Findings of a lint without any cache."""
    return lint(root, None)[0].findings


TREE = {
    "CLAUDE.md": "# Rules\n\n@docs/style.md\n\nSee [setup](docs/setup.md).\n",
    "docs/style.md": "Always use tabs.\n",
    ".cursor/rules/always.mdc": "---\nalwaysApply: true\n---\nNever use tabs.\n",
    ".cursor/rules/ts.mdc": "---\nglobs: src/**/*.ts\n---\nUse strict mode.\n",
    "AGENTS.md": "Use pnpm, if possible.\n",
}


def test_a_second_run_is_served_from_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    first, _ = lint(root, tmp_path / "cache")
    second, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.hits == first.files_checked == 4
    assert second.findings == first.findings == fresh(root)
    assert second.files_checked == 4


def test_an_edited_import_relints_its_importer_only(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    lint(root, tmp_path / "cache")
    (root / "docs" / "style.md").write_text("Always use spaces.\n", encoding="utf-8")
    result, cache = lint(root, tmp_path / "cache")
    assert cache is not None
    # CLAUDE.md imports it; the Cursor rules and AGENTS.md do not.
    assert cache.hits == 3
    assert result.findings == fresh(root)


def test_a_created_link_target_clears_the_finding(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    before, _ = lint(root, tmp_path / "cache")
    assert any(f.rule == "link-missing" for f in before.findings)
    write_tree(root, {"docs/setup.md": "Run make.\n"})
    after, _ = lint(root, tmp_path / "cache")
    assert not any(f.rule == "link-missing" for f in after.findings)
    assert after.findings == fresh(root)


def test_a_file_matching_a_glob_clears_glob_no_match(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    before, _ = lint(root, tmp_path / "cache")
    assert any(f.rule == "glob-no-match" for f in before.findings)
    write_tree(root, {"src/app/main.ts": "export {}\n"})
    after, _ = lint(root, tmp_path / "cache")
    assert not any(f.rule == "glob-no-match" for f in after.findings)


def test_other_settings_use_other_entries(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    lint(root, tmp_path / "cache")
    only_links = LintSettings(select=frozenset({"link-missing"}))
    result, cache = lint(root, tmp_path / "cache", only_links)
    assert cache is not None and cache.hits == 0
    assert {f.rule for f in result.findings} == {"link-missing"}


def test_a_damaged_cache_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    _, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.path is not None
    cache.path.write_bytes(b"\x80\x05garbage that is not a pickle")
    result, again = lint(root, tmp_path / "cache")
    assert again is not None and again.hits == 0
    assert result.findings == fresh(root)
    _, third = lint(root, tmp_path / "cache")
    assert third is not None and third.hits == 4


def test_a_run_killed_while_writing_keeps_the_previous_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    _, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.path is not None
    saved = cache.path.read_bytes()
    (root / "AGENTS.md").write_text("Use npm.\n", encoding="utf-8")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pickle, "dump", interrupted)
    with pytest.raises(KeyboardInterrupt):
        lint(root, tmp_path / "cache")
    monkeypatch.undo()
    assert cache.path.read_bytes() == saved
    assert [p.name for p in cache.path.parent.iterdir()] == [cache.path.name]
    result, _ = lint(root, tmp_path / "cache")
    assert result.findings == fresh(root)


def test_a_rule_turned_always_on_reaches_every_rule_of_the_project(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    write_tree(
        root,
        {
            ".cursor/rules/a.mdc": "---\nalwaysApply: true\n---\n- Use pnpm.\n",
            ".cursor/rules/b.mdc": "---\ndescription: x\n---\n- Use npm.\n",
            ".cursor/rules/c.mdc": "---\ndescription: y\n---\n"
            "- Run `npm install` after pulling.\n",
        },
    )
    before, _ = lint(root, tmp_path / "cache")
    # b.mdc is turned on for every request: c.mdc now loads with it.
    write_tree(
        root, {".cursor/rules/b.mdc": "---\nalwaysApply: true\n---\n- Use npm.\n"}
    )
    after, _ = lint(root, tmp_path / "cache")
    assert after.findings != before.findings
    assert after.findings == fresh(root)


def test_editing_a_rule_below_its_front_matter_keeps_the_other_rules(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    write_tree(
        root,
        {
            ".cursor/rules/a.mdc": "---\nalwaysApply: true\n---\n- Use pnpm.\n",
            ".cursor/rules/b.mdc": "---\ndescription: x\n---\n- Use npm.\n",
            ".cursor/rules/c.mdc": "---\ndescription: y\n---\n- Use yarn.\n",
        },
    )
    lint(root, tmp_path / "cache")
    # Every rule's chain looked at b.mdc's front matter, none at its body.
    write_tree(root, {".cursor/rules/b.mdc": "---\ndescription: x\n---\n- Use bun.\n"})
    result, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.hits == 2
    assert result.findings == fresh(root)


def test_new_times_on_unchanged_files_are_proven_by_content_then_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    first, _ = lint(root, tmp_path / "cache")
    # A fresh checkout of the same commit: every file has a new time.
    checkout = time.time() - 60
    for path in root.rglob("*"):
        os.utime(path, (checkout, checkout))
    again, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.hits == 4
    assert again.findings == first.findings
    reads: list[str] = []
    original = resultcache._digest

    def counted(name: str) -> bytes:
        reads.append(name)
        return original(name)

    monkeypatch.setattr(resultcache, "_digest", counted)
    _, third = lint(root, tmp_path / "cache")
    assert third is not None and third.hits == 4
    assert reads == []  # the new times were kept: nothing had to be read


def test_entries_of_deleted_files_are_dropped(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    lint(root, tmp_path / "cache")
    (root / "AGENTS.md").unlink()
    _, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.path is not None
    _, _, entries = pickle.loads(cache.path.read_bytes())
    assert str(root.resolve() / "AGENTS.md") not in entries


# -- any sequence of changes ---------------------------------------------------------

CONTENTS = {
    "CLAUDE.md": [
        "@docs/a.md\n",
        "- Use pnpm to install dependencies.\n\n@docs/b.md\n",
        "See [b](docs/b.md) and [c](docs/c.md).\n",
        "",
    ],
    "docs/a.md": [
        "- Indent with tabs.\n",
        "@b.md\n",
        "- Run `npm install` after pulling.\n\n@c.md\n",
    ],
    "docs/b.md": [
        "- Indent with 2 spaces.\n",
        "- Run the full test suite before every commit.\n",
        "@a.md\n",
    ],
    ".cursor/rules/one.mdc": [
        "---\nalwaysApply: true\n---\n- Indent with tabs.\n",
        "---\nglobs: docs/*.md\n---\n- Use pnpm to install dependencies.\n",
        "---\nglobs: src/**\n---\nSee [a](../../docs/a.md).\n",
    ],
    ".cursor/rules/two.mdc": [
        "---\nalwaysApply: false\ndescription: x\n---\n- Indent with 2 spaces.\n",
        "---\nalwaysApply: false\ndescription: x\n---\n- Indent with tabs.\n",
        "---\nalwaysApply: true\n---\n- Indent with 2 spaces.\n",
        "---\nalwaysApply: true\n---\n- Run the full test suite before every commit.\n",
    ],
    ".cursor/rules/three.mdc": [
        "---\ndescription: y\n---\n- Run `npm install` after pulling.\n",
        "---\ndescription: y\n---\n- Run the full test suite before every commit.\n",
    ],
    ".gitignore": ["src/\n", "docs/b.md\n", ""],
    "src/x.ts": ["export {}\n"],
    "docs/c.md": ["- Use yarn to install dependencies.\n"],
}
FILES = sorted(CONTENTS)

change = st.one_of(
    st.tuples(
        st.just("write"),
        st.sampled_from(FILES),
        st.integers(min_value=0, max_value=3),
        st.booleans(),  # whether the file gets an older, checkout-like time
    ),
    st.tuples(st.just("delete"), st.sampled_from(FILES), st.just(0), st.just(False)),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(changes=st.lists(change, min_size=1, max_size=6))
def test_cached_findings_equal_fresh_ones_after_any_changes(
    tmp_path_factory: pytest.TempPathFactory,
    changes: list[tuple[str, str, int, bool]],
) -> None:
    base = tmp_path_factory.mktemp("run")
    root = base / "ws"
    write_tree(root, {name: options[0] for name, options in CONTENTS.items()})
    clock = 1_600_000_000  # times only move forward, as a file system's do
    lint(root, base / "cache")
    for action, name, choice, older in changes:
        path = root / name
        if action == "delete":
            path.unlink(missing_ok=True)
        else:
            options = CONTENTS[name]
            write_tree(root, {name: options[choice % len(options)]})
            if older:
                clock += 10
                os.utime(path, (clock, clock))
        cached, _ = lint(root, base / "cache")
        assert cached.findings == fresh(root), (action, name, choice)


CALLED: list[str] = []


def _planted() -> None:
    CALLED.append("ran")


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return _planted, ()


def test_a_cache_file_naming_foreign_code_is_refused_not_run(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, TREE)
    _, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.path is not None
    # A cache restored from elsewhere, crafted to call a function when loaded.
    payload = (resultcache.FORMAT, cache.key, {"x": _Payload()})
    cache.path.write_bytes(pickle.dumps(payload))
    result, again = lint(root, tmp_path / "cache")
    assert CALLED == []
    assert again is not None and again.hits == 0
    assert result.findings == fresh(root)


def test_only_the_most_recent_cache_files_are_kept(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "lint"
    folder.mkdir(parents=True)
    for index in range(resultcache.KEPT_FILES + 5):
        old = folder / f"{index:04d}.pickle"
        old.write_bytes(b"")
        os.utime(old, (1_000_000 + index, 1_000_000 + index))
    (folder / ".lint-unfinished.tmp").write_bytes(b"")
    root = tmp_path / "ws"
    write_tree(root, TREE)
    _, cache = lint(root, tmp_path / "cache")
    assert cache is not None and cache.path is not None
    kept = sorted(p.name for p in folder.glob("*.pickle"))
    assert len(kept) == resultcache.KEPT_FILES
    assert cache.path.name in kept
    assert "0000.pickle" not in kept  # the oldest went first
    assert (folder / ".lint-unfinished.tmp").exists()  # not ours to judge
