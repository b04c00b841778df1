"""What every renderer needs: the findings, where they are, and the catalogue."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from llmops_ls.linter.finding import Finding


@dataclass(frozen=True, slots=True)
class Report:
    """A finished lint run as renderers see it."""

    root: Path
    findings: list[Finding]
    files_checked: int

    def display_path(self, relative: str) -> str:
        """A path relative to the current folder when under it, else absolute."""
        return _display_path(str(self.root), os.getcwd(), relative)


@functools.lru_cache(maxsize=4096)
def _display_path(root: str, cwd: str, relative: str) -> str:
    """Cached: a file with many findings is displayed once per finding."""
    path = Path(relative) if os.path.isabs(relative) else Path(root) / relative
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()
