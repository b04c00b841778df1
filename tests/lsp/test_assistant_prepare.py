"""Preparing the assistant in a worker thread imports all that building it needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Run in a fresh interpreter: the test process has long imported everything.
_SCRIPT = """
import asyncio, json, sys
from pathlib import Path

import llmops_ls.app as app

at_start = sorted(m for m in sys.modules if m.startswith("llmops_ls.gateway"))
app.prepare_assistant()
prepared = set(sys.modules)
root = Path(sys.argv[1])
assistant = app.build_assistant(
    {"LLMOPS_TELEMETRY_DB": str(root / "t.db"), "LLMOPS_DEVELOPER": "dev"},
    root=root,
)
built = sorted(m for m in set(sys.modules) - prepared if m.startswith("llmops_ls"))
asyncio.run(assistant.aclose())
print(json.dumps({"at_start": at_start, "built": built}))
"""


def test_building_after_preparing_imports_no_module_of_its_own(
    tmp_path: Path,
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LLMOPS_")}
    environ["LLMOPS_LS_CACHE_DIR"] = ""
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env=environ,
        cwd=tmp_path,
    )
    result = json.loads(out.stdout.splitlines()[-1])
    # `serve` starts without the gateway; the first assistant then costs no import.
    assert result["at_start"] == []
    assert result["built"] == []
    assert (tmp_path / "t.db").exists()  # the telemetry path was built too
