"""Findings, their severities and the fixes attached to them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from llmops_ls.linter.source import Position


class Severity(enum.IntEnum):
    """How serious a finding is; higher is worse, so thresholds compare naturally."""

    HINT = 1
    INFO = 2
    WARNING = 3
    ERROR = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        """Read a severity name such as ``"warning"``; raises ValueError otherwise."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            allowed = ", ".join(s.label for s in cls)
            message = f"unknown severity {name!r} (expected one of {allowed})"
            raise ValueError(message) from None

    @property
    def label(self) -> str:
        """The lower-case name used on the command line and in JSON."""
        return _LABELS[self]


_LABELS = {severity: severity.name.lower() for severity in Severity}


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text between two offsets of a file with `new_text`."""

    start: int
    end: int
    new_text: str

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Pickled as constructor arguments: loads faster than field by field."""
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that resolves a finding; ``--fix`` applies only the safe ones."""

    description: str
    edits: tuple[Edit, ...]
    safe: bool = True

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Pickled as constructor arguments: loads faster than field by field."""
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)


@dataclass(frozen=True, slots=True)
class Related:
    """Another place involved in a finding, like the other side of a contradiction."""

    path: str
    start: Position
    end: Position
    message: str

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Pickled as constructor arguments: loads faster than field by field."""
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file, located by offsets and by positions."""

    rule: str
    code: str
    severity: Severity
    path: str
    start_offset: int
    end_offset: int
    start: Position
    end: Position
    message: str
    fix: Fix | None = None
    related: tuple[Related, ...] = field(default=())

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Pickled as constructor arguments: loads faster than field by field."""
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, then position, then code."""
        return (self.path, self.start.line, self.start.column, self.code)
