"""A real editor: headless Neovim with clients/neovim's setup receives diagnostics."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NVIM = shutil.which("nvim")
CLIENT = Path(__file__).resolve().parents[2] / "clients" / "neovim"
QUIT_AFTER_MS = 20000

CONFIG = """
vim.opt.runtimepath:prepend({client})
require("llmops_ls").setup({{ cmd = {{ {python}, "-m", "llmops_ls", "serve" }} }})
local written = false
vim.api.nvim_create_autocmd("DiagnosticChanged", {{
  callback = function()
    local items = vim.diagnostic.get()
    if written or #items == 0 then return end
    written = true
    local out = {{}}
    for _, d in ipairs(items) do
      table.insert(out, {{ code = d.code, lnum = d.lnum, col = d.col,
                           source = d.source, message = d.message }})
    end
    vim.fn.writefile({{ vim.fn.json_encode(out) }}, {output})
    vim.cmd("qa!")
  end,
}})
vim.defer_fn(function() vim.cmd("qa!") end, {quit_after})
"""


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/run installs it)")
def test_neovim_shows_diagnostics_with_codes_for_a_broken_claude_md(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    (root / "CLAUDE.md").write_text(
        "# Project\n\nAPI conventions: @docs/api-conventions.md\n", encoding="utf-8"
    )
    output = tmp_path / "diagnostics.json"
    config = tmp_path / "init.lua"
    config.write_text(
        CONFIG.format(
            client=json.dumps(str(CLIENT)),
            python=json.dumps(sys.executable),
            output=json.dumps(str(output)),
            quit_after=QUIT_AFTER_MS,
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "LLMOPS_LS_CACHE_DIR": "", "XDG_STATE_HOME": str(tmp_path)}

    subprocess.run(
        [str(NVIM), "--headless", "-u", str(config), "CLAUDE.md"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=QUIT_AFTER_MS / 1000 + 20,
        check=False,
    )

    assert output.exists(), "Neovim received no diagnostics"
    diagnostics = json.loads(output.read_text(encoding="utf-8"))
    missing = [d for d in diagnostics if d["code"] == "LL201"]
    assert missing, diagnostics
    assert missing[0]["lnum"] == 2
    assert missing[0]["col"] == 17
    assert missing[0]["source"] == "llmops-ls"
