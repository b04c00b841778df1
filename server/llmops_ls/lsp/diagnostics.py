"""Linting files and publishing their findings as diagnostics.

Findings of open documents come from the editor's buffer; those of other files from
the disk. A file that changes triggers a re-lint of the files that read it, so a
broken import is reported (and cleared) in the file that imports it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from llmops_ls.config.project import locked_message
from llmops_ls.linter import tokens
from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.source import SourceText
from llmops_ls.lsp import convert
from llmops_ls.lsp.memory import EncodingReleaser, HeapTrimmer
from llmops_ls.lsp.project import Project

if TYPE_CHECKING:
    from llmops_ls.lsp.session import Session

logger = logging.getLogger(__name__)

CONFIG_CODE = "config"
_KEY_PART = re.compile(r"[A-Za-z0-9_.-]+")


class Diagnostics:
    """Lints files on demand and publishes what it found."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._published: set[Path] = set()
        self._config_published: set[Path] = set()
        self.trimmer = HeapTrimmer()
        self.encodings = EncodingReleaser()

    def lint_and_publish(self, path: Path, project: Project | None = None) -> None:
        """Lint one file now and publish its diagnostics (even when there are none)."""
        project = project or self.session.project_for(path)
        if self.session.is_open(path):
            # A buffer's text changes with every keystroke: no use keeping its
            # token counts on disk, where they would push out those of real files.
            with tokens.kept_in_memory():
                outcome = project.lint(path)
        else:
            outcome = project.lint(path)
        for failure in outcome.failures:
            logger.error(
                "check %s failed on %s; its findings are missing: %s",
                failure.check,
                failure.path,
                failure.error,
            )
        self.publish(project, path)
        self.trimmer.linted()

    def publish(self, project: Project, path: Path) -> None:
        """Send the last findings of a file to the client."""
        findings = project.findings.get(path.resolve(), [])
        if (
            not findings
            and path not in self._published
            and not self.session.is_open(path)
        ):
            return  # nothing shown before, nothing to clear
        doc = project.workspace.document(path)
        diagnostics = self.to_lsp(project, doc, findings)
        if diagnostics:
            self._published.add(path)
        else:
            self._published.discard(path)
        self.session.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=self.session.uri_of(path),
                diagnostics=diagnostics,
                version=self.session.open_version(path),
            )
        )

    def to_lsp(
        self, project: Project, doc: RulesDocument, findings: list[Finding]
    ) -> list[types.Diagnostic]:
        """LSP diagnostics for findings of one document."""

        def locate(relative: str) -> tuple[Path, SourceText | None]:
            target = Path(relative)
            if not target.is_absolute():
                target = project.root / target
            other = project.workspace.document(target)
            return target, None if other.read_error else other.source

        encoder = self.session.encoder
        return [convert.diagnostic(f, doc.source, encoder, locate) for f in findings]

    def clear(self, path: Path) -> None:
        """Remove a file's diagnostics (it was deleted or left the workspace)."""
        if path in self._published:
            self._published.discard(path)
            self.session.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=self.session.uri_of(path), diagnostics=[]
                )
            )

    def relint(self, paths: Iterable[Path], project: Project) -> None:
        """Lint several files again, each from its buffer if open or else from disk.

        Counts missing from the caches are made by a worker process, as in the
        start-up scan, unless the vocabulary is loaded here already.
        """
        with tokens.counted_in_worker():
            for path in sorted(set(paths)):
                # Its cached document may hold what it read from the changed files.
                project.file_changed(path)
                if project.workspace.exists(path):
                    self.lint_and_publish(path, project)
                else:
                    project.forget(path)
                    self.clear(path)

    def publish_config(self, project: Project) -> None:
        """Show an invalid project file's error in that file, or else the keys the
        organisation policy locks there; clear what no longer holds."""
        error = project.config_error
        shown = {p for p in self._config_published if project.is_config_file(p)}
        target: Path | None = None
        if error is not None:
            target = Path(error.path).resolve()
        elif project.locked_keys and project.config_path is not None:
            target = project.config_path.resolve()
        for path in shown - {target}:
            self._config_published.discard(path)
            self.session.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=self.session.uri_of(path), diagnostics=[]
                )
            )
        if target is None:
            return
        text = self._config_text(target)
        if error is not None:
            message = f"{error.message} (the last valid configuration stays in force)"
            diagnostics = [self._config_diagnostic(text, error.key, message, _ERROR)]
        else:
            diagnostics = [
                self._config_diagnostic(text, key, locked_message(key), _WARNING)
                for key in project.locked_keys
            ]
        self._config_published.add(target)
        self.session.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=self.session.uri_of(target),
                diagnostics=diagnostics,
                version=self.session.open_version(target),
            )
        )

    def _config_text(self, path: Path) -> str:
        text = self.session.buffer_text(path)
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
        return text

    def _config_diagnostic(
        self,
        text: str,
        key: str | None,
        message: str,
        severity: types.DiagnosticSeverity,
    ) -> types.Diagnostic:
        source = SourceText(text)
        start, end = _key_span(text, key)
        return types.Diagnostic(
            range=self.session.encoder.offset_range(source, start, end),
            message=message,
            severity=severity,
            code=CONFIG_CODE,
            source=convert.SOURCE,
        )


_ERROR = types.DiagnosticSeverity.Error
_WARNING = types.DiagnosticSeverity.Warning


def _key_span(text: str, key: str | None) -> tuple[int, int]:
    """Where a dotted key (its last part) is written, or the first line."""
    if key:
        parts = _KEY_PART.findall(key.split("[")[0])
        last = parts[-1].split(".")[-1] if parts else ""
        if last:
            match = re.search(
                rf'^[ \t]*["\']?{re.escape(last)}["\']?[ \t]*=', text, re.MULTILINE
            )
            if match is None:
                match = re.search(rf"\b{re.escape(last)}\b", text)
            if match is not None:
                start = (
                    match.start() + len(match.group(0)) - len(match.group(0).lstrip())
                )
                line_end = text.find("\n", start)
                return start, len(text) if line_end == -1 else line_end
    first_end = text.find("\n")
    return 0, len(text) if first_end == -1 else first_end
