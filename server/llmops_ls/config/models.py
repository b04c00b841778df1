"""Pydantic models of the project file; field descriptions become its documentation."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SeverityName = Literal["error", "warning", "info", "hint"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Budgets(_Strict):
    """Token budgets for rules files."""

    file_tokens: int = Field(
        8000, gt=0, description="Most tokens one rules file may hold on its own."
    )
    chain_tokens: int = Field(
        20000,
        gt=0,
        description="Most tokens a rules file may load along with its imports and the "
        "always-applied rules.",
    )


class LintTable(_Strict):
    """The `[lint]` table."""

    select: list[str] | None = Field(
        None,
        description="Rules to run, by name or code (`ALL` for every rule); "
        "default: the rules that are on by default.",
    )
    ignore: list[str] = Field(
        default_factory=list, description="Rules never to run, by name or code."
    )
    severity: dict[str, SeverityName] = Field(
        default_factory=dict,
        description="Severity per rule, overriding the catalogue's default.",
    )
    budgets: Budgets = Field(default_factory=Budgets)
    exclude: list[str] = Field(
        default_factory=list,
        description="Gitignore-style patterns of paths never to lint, relative to the "
        "project root.",
    )


class ProjectFile(_Strict):
    """`.llmops.toml`, or `[tool.llmops-ls]` in `pyproject.toml`."""

    team: str | None = Field(
        None, description="Team the project's telemetry is attributed to."
    )
    project: str | None = Field(None, description="Project name used in telemetry.")
    lint: LintTable = Field(default_factory=LintTable)
