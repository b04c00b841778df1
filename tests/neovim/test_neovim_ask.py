"""A real editor asks: headless Neovim's :LlmopsAsk against a local test gateway."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.upstream import Upstream
from llmops_ls.telemetry.store import TelemetryStore
from lsp.assistant_helpers import KEY, gateway_url, write_policy

NVIM = shutil.which("nvim")
CLIENT = Path(__file__).resolve().parents[2] / "clients" / "neovim"
QUIT_AFTER_MS = 30000
#: The policy's most capable tier under a name of its own, so that a picker offering
#: it can only have learnt it from the server.
DEEP_MODEL = "claude-opus-4-7-20260416"
QUESTION = "What does this file ask the assistant to do?"
#: Lua that gives the answer a verdict: the command, or `gr` in the answer's window.
ACCEPT = 'vim.cmd("LlmopsFeedback accepted")'
REJECT_BY_KEY = (
    'vim.api.nvim_set_current_win(vim.fn.bufwinid("llmops-ls://ask"))\n'
    '    vim.cmd("normal gr")'
)

# vim.ui.input and vim.ui.select are the editor's extension points: the test answers
# them as a developer would and notes what it was offered.
CONFIG = """
vim.opt.runtimepath:prepend({client})
require("llmops_ls").setup({{ cmd = {{ {python}, "-m", "llmops_ls", "serve" }} }})
local seen = {{ offered = nil, prompt = nil, notes = {{}} }}
vim.ui.input = function(opts, on_confirm)
  seen.prompt = opts.prompt
  on_confirm({question})
end
vim.ui.select = function(items, opts, on_choice)
  seen.offered = items
  on_choice({tier})
end
local notify = vim.notify
vim.notify = function(message, level, opts)
  table.insert(seen.notes, message)
end

local function finish()
  local buf = vim.fn.bufnr("llmops-ls://ask")
  seen.answer = buf == -1 and {{}} or vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  vim.fn.writefile({{ vim.fn.json_encode(seen) }}, {output})
  vim.cmd("qa!")
end

-- Poll for `ready`, then run `next`; give up (and write what was seen) at the end.
local function when(ready, next)
  local timer = vim.loop.new_timer()
  timer:start(50, 50, vim.schedule_wrap(function()
    if timer:is_closing() or not ready() then return end
    timer:stop()
    timer:close()
    next()
  end))
end

local function client()
  return vim.lsp.buf_get_clients(0)[next(vim.lsp.buf_get_clients(0)) or 0]
end

local function answered()
  local buf = vim.fn.bufnr("llmops-ls://ask")
  if buf == -1 then return false end
  for _, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    -- The decision after an answer, or the bracketed failure of a chat.
    if line:find("routed to tier", 1, true) or line:match("^%[") then return true end
  end
  return false
end

when(function() return client() ~= nil end, function()
  local id = client().id
  {before}
  vim.cmd("LlmopsAsk")
  when(answered, function()
    {feedback}
    -- The feedback goes out before the shutdown request, on the same pipe.
    vim.lsp.stop_client(id)
    when(function() return vim.lsp.get_client_by_id(id) == nil end, finish)
  end)
end)
vim.defer_fn(finish, {quit_after})
"""


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """An OpenAI-compatible upstream standing in for the gateway."""
    server = Upstream().start()
    yield server
    server.stop()


def deep_policy(folder: Path, upstream: Upstream) -> Path:
    """The default policy pointed at `upstream`, its frontier tier renamed `deep`."""
    policy = write_policy(folder, gateway_url(upstream))
    text = policy.read_text(encoding="utf-8")
    assert "[tiers.frontier]\n" in text
    policy.write_text(
        text.replace("[tiers.frontier]\n", "[tiers.deep]\nmin_score = 0.65\n"),
        encoding="utf-8",
    )
    return policy


def run_neovim(
    tmp_path: Path,
    policy: Path,
    tier: str,
    feedback: str = ACCEPT,
    before: str = "",
) -> tuple[dict[str, Any], Path, str]:
    """Open a CLAUDE.md, ask with `tier` picked, give feedback; what Neovim saw."""
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    rules = "# Project\n\nAlways run `make check` before committing.\n"
    (root / "CLAUDE.md").write_text(rules, encoding="utf-8")
    output = tmp_path / "seen.json"
    config = tmp_path / "init.lua"
    config.write_text(
        CONFIG.format(
            client=json.dumps(str(CLIENT)),
            python=json.dumps(sys.executable),
            question=json.dumps(QUESTION),
            tier=json.dumps(tier),
            feedback=feedback,
            before=before,
            output=json.dumps(str(output)),
            quit_after=QUIT_AFTER_MS,
        ),
        encoding="utf-8",
    )
    database = tmp_path / "telemetry.db"
    env = {
        **os.environ,
        "LLMOPS_LS_CACHE_DIR": "",
        "XDG_STATE_HOME": str(tmp_path),
        "LLMOPS_POLICY": str(policy),
        "LLMOPS_GATEWAY_KEY": KEY,
        "LLMOPS_DEVELOPER": "dev-neovim",
        "LLMOPS_TELEMETRY_DB": str(database),
    }
    subprocess.run(
        [str(NVIM), "--headless", "-u", str(config), "CLAUDE.md"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=QUIT_AFTER_MS / 1000 + 20,
        check=False,
    )
    assert output.exists(), "Neovim wrote nothing"
    seen = json.loads(output.read_text(encoding="utf-8"))
    assert isinstance(seen, dict)
    return seen, database, rules


def outcomes_of(database: Path) -> tuple[list[str | None], list[str]]:
    """The served models of the stored events and the outcomes, in order."""
    with TelemetryStore(database) as store:
        models = [row["model_served"] for row in store.query("SELECT * FROM events")]
        outcomes = [row["outcome"] for row in store.query("SELECT * FROM outcomes")]
    return models, outcomes


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/run installs it)")
def test_ask_offers_the_server_tiers_streams_the_answer_and_records_feedback(
    tmp_path: Path, upstream: Upstream
) -> None:
    seen, database, rules = run_neovim(
        tmp_path, deep_policy(tmp_path, upstream), "deep"
    )

    assert seen["offered"] == ["Auto", "fast", "standard", "deep"], seen
    assert seen["prompt"] == "llmops-ls: Ask (CLAUDE.md attached): "
    answer = seen["answer"]
    assert answer[:4] == [f"> {QUESTION}", "(attached: CLAUDE.md)", "(tier: deep)", ""]
    assert answer[4] == f"answer from {DEEP_MODEL} "
    assert answer[7:9] == [
        f"-- routed to tier deep, model {DEEP_MODEL}",
        "   requested tier: deep",
    ], answer
    assert any(line.startswith("   * tier deep requested (") for line in answer)
    # The test upstream's usage, priced from the catalogue.
    assert re.fullmatch(
        r"   12 prompt \+ 4 completion tokens, \$\d+\.\d{6} \(catalogue\)", answer[-1]
    ), answer

    # The gateway got the question with the buffer attached, for the tier's model.
    chats = [json.loads(body) for body in upstream.recorded.bodies]
    assert [chat["model"] for chat in chats] == [DEEP_MODEL]
    sent = json.dumps(chats[0]["messages"])
    assert QUESTION in sent
    assert json.dumps(rules)[1:-1] in sent

    assert outcomes_of(database) == ([DEEP_MODEL], ["shown", "accepted"]), seen
    assert seen["notes"] == [
        f"llmops-ls: answer from {DEEP_MODEL} (tier deep) accepted"
    ]


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/run installs it)")
def test_ask_at_auto_sends_no_tier_and_gr_rejects_the_answer(
    tmp_path: Path, upstream: Upstream
) -> None:
    seen, database, _ = run_neovim(
        tmp_path, deep_policy(tmp_path, upstream), "Auto", REJECT_BY_KEY
    )

    answer = seen["answer"]
    assert "(tier: auto)" in answer
    decision = [line for line in answer if line.startswith("-- routed to tier ")]
    assert len(decision) == 1, answer
    assert not any(line.startswith("   requested tier:") for line in answer)
    assert not any(" requested (" in line for line in answer)
    [chat] = [json.loads(body) for body in upstream.recorded.bodies]
    tier = decision[0].removeprefix("-- routed to tier ").split(",")[0]
    assert decision[0] == f"-- routed to tier {tier}, model {chat['model']}"
    assert f"answer from {chat['model']} " in answer
    # `gr` in the answer buffer; an answer left alone is rejected only after 30 s.
    assert outcomes_of(database)[1] == ["shown", "rejected"]
    assert seen["notes"] == [
        f"llmops-ls: answer from {chat['model']} (tier {tier}) rejected"
    ]


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/run installs it)")
def test_ask_with_a_broken_policy_offers_default_tiers_and_names_the_failure(
    tmp_path: Path, upstream: Upstream
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[tiers.fast]\nmodels = 3\n", encoding="utf-8")

    seen, _, _ = run_neovim(tmp_path, broken, "standard")

    assert seen["offered"] == ["Auto", "fast", "standard", "frontier"]
    notes = seen["notes"]
    assert len(notes) == 3, notes
    assert notes[0].startswith(
        "llmops-ls: llmops/tiers failed: no usable gateway or policy"
    )
    assert str(broken) in notes[0]
    assert notes[0].endswith("; offering fast, standard, frontier")
    assert notes[1].startswith("llmops-ls: no usable gateway or policy")
    assert str(broken) in notes[1]
    assert notes[2] == (
        "llmops-ls: no answer to give feedback on; ask with :LlmopsAsk first"
    )
    assert seen["answer"][-1].startswith("[no usable gateway or policy")
    assert upstream.recorded.bodies == []


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/run installs it)")
def test_ask_from_a_buffer_without_a_file_attaches_nothing(
    tmp_path: Path, upstream: Upstream
) -> None:
    policy = deep_policy(tmp_path, upstream)

    seen, _, rules = run_neovim(tmp_path, policy, "standard", before='vim.cmd("enew")')

    assert seen["prompt"] == "llmops-ls: Ask: "
    answer = seen["answer"]
    assert answer[:3] == [f"> {QUESTION}", "(tier: standard)", ""], answer
    [chat] = [json.loads(body) for body in upstream.recorded.bodies]
    assert f"answer from {chat['model']} " in answer
    assert "-- routed to tier standard, model " + chat["model"] in answer
    assert json.dumps(rules)[1:-1] not in json.dumps(chat["messages"])
