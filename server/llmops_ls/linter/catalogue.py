"""The rule catalogue: one TOML file per rule, shipped with the package.

The registry of checks, `llmops-ls rules` and the documentation pages are all built from
these files, so they cannot disagree.
"""

from __future__ import annotations

import functools
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path

from llmops_ls.errors import CatalogueError
from llmops_ls.linter.cachedir import (
    cache_folder,
    load_pickle,
    prune,
    write_atomically,
)
from llmops_ls.linter.finding import Severity

DOCS_BASE_URL = "https://github.com/llmops-ls/llmops-ls/blob/main/docs/rules/"


@dataclass(frozen=True, slots=True)
class Example:
    """A file that triggers the rule, and the same file fixed."""

    path: str
    bad: str
    good: str
    bad_bytes: bytes | None = None
    # Other files the example needs, written beside it for both versions.
    files: tuple[tuple[str, str], ...] = ()

    def bad_content(self) -> bytes:
        """The triggering file as bytes (some examples are not valid UTF-8 text)."""
        return self.bad_bytes if self.bad_bytes is not None else self.bad.encode()


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the catalogue."""

    code: str
    name: str
    severity: Severity
    summary: str
    rationale: str
    example: Example
    fixable: bool = False
    default_enabled: bool = True

    @property
    def help_url(self) -> str:
        """The rule's documentation page."""
        return f"{DOCS_BASE_URL}{self.name}.md"


def catalogue_dir() -> Path:
    """Where the rule files are: inside the installed package, or the source tree."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_catalogue"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "rules"


@functools.cache
def load() -> dict[str, Rule]:
    """All rules by name, read once per process.

    Parsing some forty TOML files costs more than linting a few rules files, so the
    parsed rules are kept in the cache folder, named by the files' sizes and times,
    and read from there while the files are unchanged.
    """
    folder = catalogue_dir()
    files = sorted(folder.glob("*.toml"))
    stamp = _stamp(files)
    kept = _load_kept(stamp)
    if kept is not None:
        return kept
    rules = _parse(folder, files)
    _keep(stamp, rules)
    return rules


def _parse(folder: Path, files: list[Path]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    codes: set[str] = set()
    for path in files:
        rule = _read(path)
        if rule.name in rules or rule.code in codes:
            message = f"{path.name}: duplicate rule {rule.name} / {rule.code}"
            raise CatalogueError(message)
        rules[rule.name] = rule
        codes.add(rule.code)
    if not rules:
        raise CatalogueError(f"no rule files found in {folder}")
    return rules


def _stamp(files: list[Path]) -> str:
    parts = [str(catalogue_dir())]
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        parts.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


def _kept_path(stamp: str) -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    data = stamp.encode("utf-8", "surrogateescape")
    return folder / "rules" / f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}.pickle"


def _load_kept(stamp: str) -> dict[str, Rule] | None:
    path = _kept_path(stamp)
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            data = load_pickle(handle, (Rule, Example, Severity))
    except Exception:  # missing, damaged or foreign: parse the files again
        return None
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == stamp):
        return None
    rules = data[1]
    if not isinstance(rules, dict):
        return None
    return rules


def _keep(stamp: str, rules: dict[str, Rule]) -> None:
    path = _kept_path(stamp)
    if path is None:
        return
    data = (stamp, rules)
    try:
        write_atomically(
            path, lambda out: pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
        )
    except OSError:
        return  # the next run parses the files again
    prune(path.parent, 8)  # one per version of the catalogue


def by_code_or_name() -> dict[str, Rule]:
    """Rules indexed by both code and name, for settings and suppressions."""
    index: dict[str, Rule] = {}
    for rule in load().values():
        index[rule.name] = rule
        index[rule.code.lower()] = rule
    return index


def resolve(reference: str) -> Rule | None:
    """The rule a code (any case) or name refers to."""
    return by_code_or_name().get(reference.strip().lower())


def _read(path: Path) -> Rule:
    import tomllib  # only when rules are looked up: a cached run reads none

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        example = data["example"]
        return Rule(
            code=data["code"],
            name=data["name"],
            severity=Severity.parse(data["severity"]),
            summary=data["summary"].strip(),
            rationale=data["rationale"].strip(),
            example=Example(
                example["path"],
                example["bad"],
                example["good"],
                bytes.fromhex(example["bad_hex"]) if "bad_hex" in example else None,
                tuple(example.get("files", {}).items()),
            ),
            fixable=bool(data.get("fixable", False)),
            default_enabled=bool(data.get("default_enabled", True)),
        )
    except (KeyError, ValueError, tomllib.TOMLDecodeError, OSError) as exc:
        raise CatalogueError(f"{path.name}: {exc}") from exc
