-- llmops-ls for Neovim 0.7 and later: starts `llmops-ls serve` for AI-assistant rules
-- files (CLAUDE.md, AGENTS.md, .cursor/rules/*.mdc, ...) and attaches it to them.
--
--   require("llmops_ls").setup({
--     cmd = { "llmops-ls", "serve" },          -- how to start the server
--     settings = { lint = { ignore = {} } },    -- sent as initialization options
--   })
--
-- Neovim 0.8+ has vim.lsp.start, which reuses a client per root by itself; on 0.7 the
-- client is started with vim.lsp.start_client and attached with buf_attach_client.
--
-- `:LlmopsAsk [question]` sends a question and the current buffer to `llmops/chat` at a
-- tier picked with vim.ui.select, and streams the answer into a scratch buffer;
-- `:LlmopsFeedback accepted|rejected` gives the last answer a verdict.

local ask = require("llmops_ls.ask")

local M = {}

local defaults = {
  cmd = { "llmops-ls", "serve" },
  settings = {},
  root_markers = { ".git", ".llmops.toml", "pyproject.toml" },
}

-- File names and path fragments that assistants read as rules files.
local exact_names = {
  ["CLAUDE.md"] = true, ["CLAUDE.local.md"] = true, ["AGENTS.md"] = true,
  ["AGENTS.override.md"] = true, ["GEMINI.md"] = true, ["CONVENTIONS.md"] = true,
  [".cursorrules"] = true, [".windsurfrules"] = true, [".clinerules"] = true,
  [".rules"] = true, ["copilot-instructions.md"] = true,
}
local folder_patterns = {
  "/%.claude/rules/", "/%.github/instructions/", "/%.github/prompts/",
  "/%.windsurf/rules/", "/%.clinerules/", "/%.kiro/steering/", "/%.continue/rules/",
}

local clients_by_root = {}

--- Whether a buffer's path is a rules file the server lints.
function M.is_rules_file(path)
  local name = vim.fn.fnamemodify(path, ":t")
  if exact_names[name] or name:match("%.mdc$") then
    return true
  end
  if not name:match("%.md$") then
    return false
  end
  for _, pattern in ipairs(folder_patterns) do
    if path:find(pattern) then
      return true
    end
  end
  return false
end

local function find_root(path, markers)
  local folder = vim.fn.fnamemodify(path, ":p:h")
  while true do
    for _, marker in ipairs(markers) do
      if vim.fn.isdirectory(folder .. "/" .. marker) == 1
        or vim.fn.filereadable(folder .. "/" .. marker) == 1 then
        return folder
      end
    end
    local parent = vim.fn.fnamemodify(folder, ":h")
    if parent == folder then
      return vim.fn.fnamemodify(path, ":p:h")
    end
    folder = parent
  end
end

local function attach(bufnr, opts)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" or not M.is_rules_file(path) then
    return
  end
  local root = find_root(path, opts.root_markers)
  local config = {
    name = "llmops-ls",
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = opts.settings,
    settings = { ["llmops-ls"] = opts.settings },
    handlers = ask.handlers,
  }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients_by_root[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

--- Register the autocommands that start the server for rules files.
function M.setup(user_opts)
  local opts = vim.tbl_deep_extend("force", defaults, user_opts or {})
  local group = vim.api.nvim_create_augroup("llmops_ls", { clear = true })
  -- Neovim does not know these names as Markdown.
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    group = group,
    pattern = { "*.mdc", ".cursorrules", ".windsurfrules", ".clinerules", ".rules" },
    callback = function(args)
      vim.bo[args.buf].filetype = "markdown"
    end,
  })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "markdown",
    callback = function(args)
      attach(args.buf, opts)
    end,
  })
  ask.create_commands()
end

return M
