"""The workspace over a real connection: start-up scan, cross-file re-lint, config."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp.helpers import (
    TIMEOUT_SECONDS,
    codes,
    open_file,
    replace_all,
    start,
    wait_for_diagnostics,
)

IMPORTER = "# Project\n\nDetails: @docs/guide.md\n"
PLACEHOLDER_RULE = (
    "---\ndescription: Style\nalwaysApply: true\n---\nTODO: write rules.\n"
)


async def wait_for_scan(client: LanguageClient) -> None:
    """Await the end of the start-up scan's progress."""
    async with asyncio.timeout(TIMEOUT_SECONDS):
        while not any(
            isinstance(r, types.WorkDoneProgressEnd)
            for reports in client.progress_reports.values()
            for r in reports
        ):
            await client.wait_for_notification(types.PROGRESS)


def _file_events(
    client: LanguageClient, *changes: tuple[Path, types.FileChangeType]
) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=p.as_uri(), type=t) for p, t in changes]
        )
    )


async def test_startup_scan_reports_progress_and_unopened_files(
    client: LanguageClient, root: Path
) -> None:
    files = {f".cursor/rules/r{i}.mdc": PLACEHOLDER_RULE for i in range(20)}
    await start(client, root, files)

    uris = [(root / ".cursor" / "rules" / f"r{i}.mdc").as_uri() for i in range(20)]
    for uri in uris:
        await wait_for_diagnostics(client, uri, lambda d: "LL404" in codes(d))

    await wait_for_scan(client)

    (reports,) = client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)


async def test_server_registers_file_watching_with_the_client(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"CLAUDE.md": "# P\n\nRun the tests.\n"})
    await wait_for_scan(client)

    methods = [r.method for r in client.registrations]  # type: ignore[attr-defined]

    assert types.WORKSPACE_DID_CHANGE_WATCHED_FILES in methods


async def test_creating_an_imported_file_relints_the_importer(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"CLAUDE.md": IMPORTER})
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda d: "LL201" in codes(d))

    guide = root / "docs" / "guide.md"
    guide.parent.mkdir()
    guide.write_text("# Guide\n\nUse small functions.\n", encoding="utf-8")
    _file_events(client, (guide, types.FileChangeType.Created))

    diagnostics = await wait_for_diagnostics(
        client, uri, lambda d: "LL201" not in codes(d)
    )
    assert "LL201" not in codes(diagnostics)


async def test_editing_an_open_imported_file_relints_the_importer(
    client: LanguageClient, root: Path
) -> None:
    await start(
        client,
        root,
        {"CLAUDE.md": IMPORTER, "docs/guide.md": "# Guide\n\nUse small functions.\n"},
    )
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda _: True)
    guide = open_file(client, root / "docs" / "guide.md")

    replace_all(client, guide, "# Guide\n\nSee @../CLAUDE.md\n", version=2)

    diagnostics = await wait_for_diagnostics(client, uri, lambda d: "LL203" in codes(d))
    assert "LL203" in codes(diagnostics)


async def test_config_change_on_disk_applies_without_restart(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"CLAUDE.md": IMPORTER})
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda d: "LL201" in codes(d))

    config = root / ".llmops.toml"
    config.write_text('[lint]\nignore = ["import-missing"]\n', encoding="utf-8")
    _file_events(client, (config, types.FileChangeType.Created))

    diagnostics = await wait_for_diagnostics(
        client, uri, lambda d: "LL201" not in codes(d)
    )
    assert "LL201" not in codes(diagnostics)


async def test_invalid_config_is_reported_in_that_file_and_last_good_one_stays(
    client: LanguageClient, root: Path
) -> None:
    config = root / ".llmops.toml"
    await start(
        client,
        root,
        {
            "CLAUDE.md": IMPORTER,
            ".llmops.toml": '[lint]\nignore = ["import-missing"]\n',
        },
    )
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda _: True)

    config.write_text(
        '[lint]\nignore = ["import-missing"]\nbogus = 1\n', encoding="utf-8"
    )
    _file_events(client, (config, types.FileChangeType.Changed))
    (problem,) = await wait_for_diagnostics(client, config.as_uri(), bool)

    assert problem.code == "config"
    assert problem.range.start.line == 2
    assert "LL201" not in codes(client.diagnostics[uri])

    config.write_text("[lint]\nignore = []\n", encoding="utf-8")
    _file_events(client, (config, types.FileChangeType.Changed))
    assert not await wait_for_diagnostics(client, config.as_uri(), lambda d: not d)
    await wait_for_diagnostics(client, uri, lambda d: "LL201" in codes(d))


async def test_open_config_buffer_applies_as_typed(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"CLAUDE.md": IMPORTER, ".llmops.toml": "[lint]\n"})
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda d: "LL201" in codes(d))
    config = open_file(client, root / ".llmops.toml")

    replace_all(client, config, '[lint]\nignore = ["LL201"]\n', version=2)

    await wait_for_diagnostics(client, uri, lambda d: "LL201" not in codes(d))


async def test_editor_settings_from_initialization_options_apply(
    client: LanguageClient, root: Path
) -> None:
    await start(
        client,
        root,
        {"CLAUDE.md": IMPORTER},
        editor="neovim",
        options={"lint": {"ignore": ["import-missing"]}},
    )
    uri = open_file(client, root / "CLAUDE.md")

    diagnostics = await wait_for_diagnostics(client, uri, lambda _: True)

    assert "LL201" not in codes(diagnostics)


async def test_without_client_watching_disk_changes_are_seen_by_watchdog(
    client: LanguageClient, root: Path
) -> None:
    await start(client, root, {"CLAUDE.md": IMPORTER}, editor="neovim")
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda d: "LL201" in codes(d))
    await wait_for_scan(client)  # the watcher starts before the scan

    guide = root / "docs" / "guide.md"
    guide.parent.mkdir()
    guide.write_text("# Guide\n\nUse small functions.\n", encoding="utf-8")

    await wait_for_diagnostics(client, uri, lambda d: "LL201" not in codes(d))


async def test_each_edit_of_an_open_imported_script_relints_the_importer(
    client: LanguageClient, root: Path
) -> None:
    # Keystrokes after the first take the remembered path of an open buffer: each
    # must still reach the rules file that imports it, in both directions.
    await start(
        client,
        root,
        {"CLAUDE.md": "# Project\n\nSetup: @tools/setup.py\n", "tools/setup.py": ""},
    )
    uri = open_file(client, root / "CLAUDE.md")
    await wait_for_diagnostics(client, uri, lambda _: True)
    script = open_file(client, root / "tools" / "setup.py", "print('ready')\n")
    cycle = "# See @../CLAUDE.md\nprint('ready')\n"

    for version, text, cyclic in [
        (2, "print('set')\n", False),
        (3, cycle, True),
        (4, "print('done')\n", False),
        (5, cycle, True),
    ]:
        replace_all(client, script, text, version=version)
        diagnostics = await wait_for_diagnostics(
            client, uri, lambda d, cyclic=cyclic: ("LL203" in codes(d)) == cyclic
        )
        assert ("LL203" in codes(diagnostics)) == cyclic
