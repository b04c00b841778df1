"""Code actions, hover, links, definition and completion over a real connection."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp.helpers import codes, open_file, replace_all, start, wait_for_diagnostics

UNKNOWN_KEY_RULE = (
    "---\ndescription: Code style\nalwaysapply: true\n---\nUse early returns.\n"
)
RULE_PATH = ".cursor/rules/style.mdc"
UNKNOWN_KEY = "LL102"


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits to an ASCII text (characters are code points there)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        return starts[position.line] + position.character

    ordered = sorted(edits, key=lambda e: offset(e.range.start), reverse=True)
    for edit in ordered:
        text = (
            text[: offset(edit.range.start)]
            + edit.new_text
            + text[offset(edit.range.end) :]
        )
    return text


async def _actions(
    client: LanguageClient,
    uri: str,
    diagnostic: types.Diagnostic,
    only: list[types.CodeActionKind] | None = None,
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def _open_rule(
    client: LanguageClient, root: Path
) -> tuple[str, types.Diagnostic]:
    await start(client, root, {RULE_PATH: UNKNOWN_KEY_RULE})
    uri = open_file(client, root / RULE_PATH)
    diagnostics = await wait_for_diagnostics(
        client, uri, lambda d: UNKNOWN_KEY in codes(d)
    )
    return uri, next(d for d in diagnostics if d.code == UNKNOWN_KEY)


async def test_quick_fix_applied_removes_the_finding(
    client: LanguageClient, root: Path
) -> None:
    uri, diagnostic = await _open_rule(client, root)

    actions = await _actions(client, uri, diagnostic)
    fix = next(a for a in actions if a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply_edits(UNKNOWN_KEY_RULE, list(fix.edit.changes[uri]))
    replace_all(client, uri, fixed, version=2)

    assert "alwaysApply: true" in fixed
    await wait_for_diagnostics(client, uri, lambda d: UNKNOWN_KEY not in codes(d))


async def test_disable_for_line_inserts_a_suppression_that_silences_it(
    client: LanguageClient, root: Path
) -> None:
    text = "# Project\n\n- Read @docs/missing.md first.\n"
    await start(client, root, {"CLAUDE.md": text})
    uri = open_file(client, root / "CLAUDE.md")
    diagnostics = await wait_for_diagnostics(client, uri, lambda d: "LL201" in codes(d))
    diagnostic = next(d for d in diagnostics if d.code == "LL201")

    actions = await _actions(client, uri, diagnostic)
    disable = next(a for a in actions if a.title.startswith("Disable import-missing"))
    assert disable.edit is not None and disable.edit.changes is not None
    silenced = apply_edits(text, list(disable.edit.changes[uri]))
    replace_all(client, uri, silenced, version=2)

    assert "<!-- llmops-ls-disable-next-line import-missing -->\n- Read" in silenced
    remaining = await wait_for_diagnostics(
        client, uri, lambda d: "LL201" not in codes(d)
    )
    assert "LL003" not in codes(remaining)


async def test_disable_in_front_matter_is_file_wide_after_the_block(
    client: LanguageClient, root: Path
) -> None:
    uri, diagnostic = await _open_rule(client, root)

    actions = await _actions(client, uri, diagnostic)
    disable = next(a for a in actions if a.title.startswith("Disable"))
    assert disable.edit is not None and disable.edit.changes is not None
    silenced = apply_edits(UNKNOWN_KEY_RULE, list(disable.edit.changes[uri]))

    assert silenced.startswith(UNKNOWN_KEY_RULE.split("Use", maxsplit=1)[0])
    assert "---\n<!-- llmops-ls-disable-file frontmatter-unknown-key -->\n" in silenced


async def test_fix_all_applies_every_safe_fix(
    client: LanguageClient, root: Path
) -> None:
    uri, diagnostic = await _open_rule(client, root)

    actions = await _actions(
        client, uri, diagnostic, only=[types.CodeActionKind.SourceFixAll]
    )

    (fix_all,) = actions
    assert fix_all.kind == types.CodeActionKind.SourceFixAll
    assert fix_all.edit is not None and fix_all.edit.changes is not None
    assert "alwaysApply" in apply_edits(
        UNKNOWN_KEY_RULE, list(fix_all.edit.changes[uri])
    )


async def test_hover_on_first_line_shows_tokens_and_costs(
    client: LanguageClient, root: Path
) -> None:
    await start(
        client,
        root,
        {
            "CLAUDE.md": "# Project\n\nSee @docs/guide.md\n",
            "docs/guide.md": "# Guide\n",
        },
    )
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda _: True)

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=2),
        )
    )

    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "tokens" in text
    assert "docs/guide.md" in text
    assert "claude-sonnet-4-6" in text
    # The models are the policy's tiers (the default policy here), not the catalogue.
    assert "gpt-4o-mini-2024-07-18" not in text
    assert "per month" in text
    assert "estimate" in text


async def test_hover_on_import_shows_resolved_path_and_tokens(
    client: LanguageClient, root: Path
) -> None:
    await start(
        client,
        root,
        {
            "CLAUDE.md": "# Project\n\nSee @docs/guide.md\n",
            "docs/guide.md": "# Guide\n",
        },
    )
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda _: True)

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=2, character=8),
        )
    )

    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "`docs/guide.md`" in hover.contents.value
    assert "tokens" in hover.contents.value


async def test_document_links_and_definition_for_imports_and_local_links(
    client: LanguageClient, root: Path
) -> None:
    text = "# Project\n\nSee @docs/guide.md and [the API](docs/api.md).\n"
    await start(
        client,
        root,
        {"CLAUDE.md": text, "docs/guide.md": "# Guide\n", "docs/api.md": "# API\n"},
    )
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda _: True)
    document = types.TextDocumentIdentifier(uri=uri)

    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=document)
    )
    definition = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document, position=types.Position(line=2, character=36)
        )
    )

    assert links is not None
    assert [link.target for link in links] == [
        (root / "docs" / "guide.md").as_uri(),
        (root / "docs" / "api.md").as_uri(),
    ]
    assert links[0].range.start == types.Position(line=2, character=4)
    assert isinstance(definition, list)
    assert definition[0].uri == (root / "docs" / "api.md").as_uri()


async def test_completion_offers_cursor_keys_and_boolean_values(
    client: LanguageClient, root: Path
) -> None:
    text = "---\ndescription: Style\n\n---\nUse early returns.\n"
    await start(client, root, {RULE_PATH: text})
    uri = open_file(client, root / RULE_PATH)
    await wait_for_diagnostics(client, uri, lambda _: True)
    document = types.TextDocumentIdentifier(uri=uri)

    keys = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=document, position=types.Position(line=2, character=0)
        )
    )
    replace_all(
        client, uri, "---\ndescription: Style\nalwaysApply: \n---\nx\n", version=2
    )
    await wait_for_diagnostics(client, uri, lambda _: True)
    values = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=document, position=types.Position(line=2, character=13)
        )
    )

    assert isinstance(keys, types.CompletionList)
    labels = [item.label for item in keys.items]
    assert "globs" in labels and "alwaysApply" in labels
    assert "description" not in labels  # already present
    assert isinstance(values, types.CompletionList)
    assert [item.label for item in values.items] == ["true", "false"]


async def test_requests_about_unknown_documents_get_empty_answers(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {})
    ghost = types.TextDocumentIdentifier(uri=(root / "nowhere" / "CLAUDE.md").as_uri())

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=ghost, position=types.Position(line=0, character=0)
        )
    )
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=ghost)
    )

    assert hover is None
    assert links is None
