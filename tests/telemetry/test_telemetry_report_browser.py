"""The HTML report as a browser shows it: headless Chromium renders it to a picture."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from test_telemetry_report import sample

from llmops_ls.telemetry.report import build_report
from llmops_ls.telemetry.report_html import render_html
from llmops_ls.telemetry.store import TelemetryStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is absent")


def report_file(tmp_path: Path) -> Path:
    with TelemetryStore(":memory:") as store:
        sample(store)
        html = render_html(build_report(store, None))
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=120,
        check=True,
    )


def png_rows(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the raw (filtered) scanlines of an 8-bit RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    channels = {2: 3, 6: 4}[data[25]]
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = 1 + width * channels
    return width, height, [raw[i : i + stride] for i in range(0, len(raw), stride)]


def test_browser_parses_the_three_charts(tmp_path: Path) -> None:
    done = run_chromium(tmp_path, "--dump-dom", report_file(tmp_path).as_uri())
    dom = done.stdout.decode("utf-8")
    assert dom.count("<svg") == 3
    for title in ("Acceptance by model and tier", "Cost per day", "Latency"):
        assert title in dom


def test_screenshot_is_not_blank(tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    run_chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        report_file(tmp_path).as_uri(),
    )
    width, height, rows = png_rows(shot)
    assert (width, height) == (1200, 1600)
    # A page that failed to render is one colour; charts and text give many rows.
    assert len(set(rows)) > 100
