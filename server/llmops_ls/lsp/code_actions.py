"""Code actions: each finding's quick fix, a suppression comment, and fix-all.

A suppression above a line would break a front-matter block (it is YAML) or end up
inside a code block, so findings there get a file-wide suppression placed after the
front matter instead.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from llmops_ls.linter.document import RulesDocument
from llmops_ls.linter.finding import Edit, Finding
from llmops_ls.linter.fixes import apply_fixes
from llmops_ls.lsp import convert

if TYPE_CHECKING:
    from llmops_ls.lsp.project import Project
    from llmops_ls.lsp.session import Session

logger = logging.getLogger(__name__)

FIX_ALL_KIND = types.CodeActionKind.SourceFixAll
_FIX_ALL_ID = "source.fixAll.llmops-ls"


class CodeActions:
    """Builds code actions from the findings last published for a document."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def actions(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        """Actions for the requested range (None for files the server does not lint)."""
        located = self.session.located(params.text_document.uri)
        if located is None:
            return None
        project, path, doc = located
        findings = project.findings.get(path)
        if findings is None:
            findings = project.lint(path).findings
        only = params.context.only
        wants_quickfix = only is None or any(
            types.CodeActionKind.QuickFix.value.startswith(str(kind)) for kind in only
        )
        wants_fix_all = only is None or any(
            FIX_ALL_KIND.value.startswith(str(kind)) for kind in only
        )
        encoder = self.session.encoder
        start = encoder.to_offset(doc.source, params.range.start)
        end = encoder.to_offset(doc.source, params.range.end)
        uri = params.text_document.uri

        result: list[types.CodeAction] = []
        if wants_quickfix:
            here = [
                f for f in findings if f.start_offset <= end and start <= f.end_offset
            ]
            result.extend(self._quick_fixes(project, path, doc, here, uri))
        if wants_fix_all:
            fix_all = self._fix_all(doc, findings, uri)
            if fix_all is not None:
                result.append(fix_all)
        return result

    def _quick_fixes(
        self,
        project: Project,
        path: Path,
        doc: RulesDocument,
        findings: list[Finding],
        uri: str,
    ) -> list[types.CodeAction]:
        encoder = self.session.encoder
        actions: list[types.CodeAction] = []
        suppressed: set[tuple[str, int]] = set()
        for finding in findings:
            diagnostic = self.session.diagnostics.to_lsp(project, doc, [finding])[0]
            if finding.fix is not None:
                actions.append(
                    types.CodeAction(
                        title=finding.fix.description,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=finding.fix.safe,
                        edit=_workspace_edit(
                            uri,
                            convert.text_edits(finding.fix.edits, doc.source, encoder),
                        ),
                    )
                )
            edit, title = suppression_edit(doc, finding)
            if (finding.rule, edit.start) in suppressed:
                continue
            suppressed.add((finding.rule, edit.start))
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=_workspace_edit(
                        uri, convert.text_edits([edit], doc.source, encoder)
                    ),
                )
            )
        del path
        return actions

    def _fix_all(
        self, doc: RulesDocument, findings: list[Finding], uri: str
    ) -> types.CodeAction | None:
        _, chosen = apply_fixes(doc.text, findings)
        if not chosen:
            return None
        edits = [edit for f in chosen if f.fix is not None for edit in f.fix.edits]
        return types.CodeAction(
            title=f"Fix all safely fixable llmops-ls problems ({len(chosen)})",
            kind=FIX_ALL_KIND,
            data={"id": _FIX_ALL_ID},
            edit=_workspace_edit(
                uri, convert.text_edits(edits, doc.source, self.session.encoder)
            ),
        )


def suppression_edit(doc: RulesDocument, finding: Finding) -> tuple[Edit, str]:
    """The comment that silences a finding, and the action's title."""
    source = doc.source
    block = doc.markdown.front_matter
    in_front_matter = (
        block is not None and block.start <= finding.start_offset < block.end
    )
    if in_front_matter or doc.markdown.in_code_block(finding.start_offset):
        at = doc.body_start
        comment = f"<!-- llmops-ls-disable-file {finding.rule} -->\n"
        return Edit(at, at, comment), f"Disable {finding.rule} for this file"
    line = finding.start.line
    start = source.line_start(line)
    text = source.line_text(line)
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    comment = f"{indent}<!-- llmops-ls-disable-next-line {finding.rule} -->\n"
    return Edit(start, start, comment), f"Disable {finding.rule} for this line"


def _workspace_edit(uri: str, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: edits})
