-- Ask: a question and the current buffer to `llmops/chat`, at a tier the developer
-- picks, the answer streamed into a scratch buffer with the routing decision after it.
-- The protocol is in docs/editors/assistant.md.

local M = {}

local CHAT_METHOD = "llmops/chat"
local CHUNK_NOTIFICATION = "llmops/chatChunk"
local FEEDBACK_NOTIFICATION = "llmops/feedback"
local TIERS_METHOD = "llmops/tiers"
local CLIENT_NAME = "llmops-ls"
local BUFFER_NAME = "llmops-ls://ask"
local AUTO = "Auto"

--- The tiers of the default policy, offered when the server cannot name its own.
M.DEFAULT_TIERS = { "fast", "standard", "frontier" }

-- Error codes of `llmops/chat` (docs/editors/assistant.md).
local ERROR_HINTS = {
  [-32001] = "a budget is spent",
  [-32002] = "the content filter refused the request",
  [-32003] = "the gateway failed after retries and fallbacks",
  [-32004] = "no usable gateway or policy (set LLMOPS_POLICY and LLMOPS_GATEWAY_KEY)",
}

local sinks = {} -- chatId -> function(text)
local tiers_by_client = {} -- client id -> tier names the server listed
local last_answer = nil -- { client_id, request_id, model, tier }
local chat_count = 0

-- JSON null may arrive as vim.NIL or as nil, depending on the Neovim version.
local function value(x)
  if x == vim.NIL then
    return nil
  end
  return x
end

local function notify(message, level)
  vim.notify("llmops-ls: " .. message, level or vim.log.levels.ERROR)
end

--- A JSON-RPC error as a sentence: what failed, then the server's message.
function M.failure(err)
  if type(err) ~= "table" then
    return tostring(err)
  end
  if err.code == -32800 or err.code == -32801 then
    return "cancelled"
  end
  local message = tostring(value(err.message) or "unknown error")
  local hint = ERROR_HINTS[err.code]
  if not hint then
    return message
  end
  local data = value(err.data)
  local resets = ""
  if type(data) == "table" and value(data.resetsAt) then
    resets = " (resets at " .. tostring(data.resetsAt) .. ")"
  end
  return hint .. resets .. ": " .. message
end

--- The routing decision and the cost of a chat result, as lines.
function M.describe(result)
  local decision = value(result.decision) or {}
  local lines = {
    string.format("-- routed to tier %s, model %s", tostring(decision.tier),
      tostring(result.model)),
  }
  if value(decision.requested_tier) then
    table.insert(lines, "   requested tier: " .. decision.requested_tier)
  end
  if value(decision.degraded_from) then
    table.insert(lines, "   degraded from tier " .. decision.degraded_from .. " (budget)")
  end
  for _, reason in ipairs(value(decision.reasons) or {}) do
    table.insert(lines, "   * " .. reason)
  end
  local usage = value(result.usage)
  local tokens = "usage unknown"
  if usage then
    tokens = string.format("%d prompt + %d completion tokens", usage.promptTokens,
      usage.completionTokens)
  end
  local cost = "cost unknown"
  if value(result.cost) then
    cost = string.format("$%.6f (%s)", result.cost, tostring(result.costSource))
  end
  table.insert(lines, "   " .. tokens .. ", " .. cost)
  if (value(result.redactions) or 0) > 0 then
    table.insert(lines, string.format("   %d secret(s) redacted before sending",
      result.redactions))
  end
  return lines
end

-- Neovim 0.11 made request and notify methods (client:request); before, they were
-- closures over the client (client.request).
local methods = vim.fn.has("nvim-0.11") == 1

local function request(client, method, params, handler, bufnr)
  if methods then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function send_notification(client, method, params)
  if methods then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

local function get_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = CLIENT_NAME })
  end
  local found = {}
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    if client.name == CLIENT_NAME then
      table.insert(found, client)
    end
  end
  return found
end

-- The server attached to the buffer, else any running llmops-ls server.
local function find_client(bufnr)
  local clients = get_clients()
  for _, client in ipairs(clients) do
    if vim.lsp.buf_is_attached(bufnr, client.id) then
      return client
    end
  end
  return clients[1]
end

-- The answer buffer, made once and reused by every chat.
local function answer_buffer()
  local buf = vim.fn.bufnr(BUFFER_NAME)
  if buf ~= -1 and vim.api.nvim_buf_is_valid(buf) then
    return buf
  end
  buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, BUFFER_NAME)
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = "markdown"
  local function map(lhs, rhs, desc)
    vim.keymap.set("n", lhs, rhs, { buffer = buf, silent = true, desc = desc })
  end
  map("ga", function() M.feedback("accepted") end, "llmops-ls: accept the last answer")
  map("gr", function() M.feedback("rejected") end, "llmops-ls: reject the last answer")
  map("q", "<Cmd>close<CR>", "llmops-ls: close the answers")
  return buf
end

-- Show the answer buffer in a split, keeping the cursor where it was.
local function show(buf)
  if vim.fn.bufwinid(buf) ~= -1 then
    return
  end
  local from = vim.api.nvim_get_current_win()
  vim.cmd("botright split")
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_set_current_win(from)
end

local function scroll_to_end(buf)
  local last = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == buf then
      vim.api.nvim_win_set_cursor(win, { last, 0 })
    end
  end
end

local function append_lines(buf, lines)
  if not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  local count = vim.api.nvim_buf_line_count(buf)
  local first = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
  if count == 1 and first == "" then
    vim.api.nvim_buf_set_lines(buf, 0, 1, false, lines)
  else
    vim.api.nvim_buf_set_lines(buf, count, count, false, lines)
  end
  scroll_to_end(buf)
end

-- Streamed text continues the last line; its newlines start new ones.
local function append_text(buf, text)
  if not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  local parts = vim.split(text, "\n", { plain = true })
  local last = vim.api.nvim_buf_line_count(buf)
  local tail = vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] or ""
  parts[1] = tail .. parts[1]
  vim.api.nvim_buf_set_lines(buf, last - 1, last, false, parts)
  scroll_to_end(buf)
end

local function on_chunk(_, params)
  if type(params) ~= "table" then
    return
  end
  local sink = sinks[params.chatId]
  if sink and type(params.text) == "string" then
    sink(params.text)
  end
end

--- Handlers for the client config: streamed chunks go to the chat they belong to.
M.handlers = { [CHUNK_NOTIFICATION] = on_chunk }

-- The policy's tiers from `llmops/tiers`, or the default ones when that fails.
local function policy_tiers(client, callback)
  if tiers_by_client[client.id] then
    callback(tiers_by_client[client.id])
    return
  end
  -- `params: null` rather than nil, which leaves `params` out: servers older than
  -- llmops-ls 0.1's `llmops/tiers` fix answered that with Internal Error.
  request(client, TIERS_METHOD, vim.NIL, function(err, result)
    if err or type(result) ~= "table" or type(result.tiers) ~= "table" then
      -- Ask still works; with an invalid policy the chat's error says what is wrong.
      notify("llmops/tiers failed: " .. M.failure(err or "no tiers in the answer")
        .. "; offering " .. table.concat(M.DEFAULT_TIERS, ", "), vim.log.levels.WARN)
      callback(M.DEFAULT_TIERS)
      return
    end
    local names = {}
    for _, tier in ipairs(result.tiers) do
      table.insert(names, tier.name)
    end
    tiers_by_client[client.id] = names
    callback(names)
  end)
end

local function pick_tier(client, callback)
  policy_tiers(client, function(tiers)
    local items = { AUTO }
    vim.list_extend(items, tiers)
    vim.ui.select(items, {
      prompt = "llmops-ls: Ask at which tier?",
      format_item = function(item)
        if item == AUTO then
          return "Auto (the router picks the tier from the request)"
        end
        return item
      end,
    }, callback)
  end)
end

local function attachments_of(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" or vim.bo[bufnr].buftype ~= "" then
    return {}, nil
  end
  -- The buffer's text, not the file's: unsaved edits count, attached or not.
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
  if vim.bo[bufnr].eol then
    text = text .. "\n"
  end
  local shown = vim.fn.fnamemodify(path, ":~:.")
  return { { uri = vim.uri_from_bufnr(bufnr), text = text } }, shown
end

local function send(client, question, bufnr, tier)
  chat_count = chat_count + 1
  local chat_id = string.format("nvim-%d-%d-%d", vim.fn.getpid(), os.time(), chat_count)
  local attachments, shown_name = attachments_of(bufnr)
  local buf = answer_buffer()
  show(buf)
  -- A blank line between chats, not before the first.
  local empty = vim.api.nvim_buf_line_count(buf) == 1
    and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ""
  local header = empty and {} or { "" }
  for _, line in ipairs(vim.split(question, "\n", { plain = true })) do
    table.insert(header, "> " .. line)
  end
  if shown_name then
    table.insert(header, "(attached: " .. shown_name .. ")")
  end
  table.insert(header, "(tier: " .. (tier or "auto") .. ")")
  table.insert(header, "")
  table.insert(header, "")
  append_lines(buf, header)
  sinks[chat_id] = function(text) append_text(buf, text) end
  local params = {
    chatId = chat_id,
    messages = { { role = "user", content = question } },
    attachments = attachments,
    tier = tier,
  }
  local ok = request(client, CHAT_METHOD, params, function(err, result)
    sinks[chat_id] = nil
    if err or type(result) ~= "table" then
      local message = M.failure(err or "no result")
      append_lines(buf, { "", "[" .. message .. "]" })
      if message ~= "cancelled" then
        notify(message)
      end
      return
    end
    append_lines(buf, { "", "" })
    append_lines(buf, M.describe(result))
    last_answer = {
      client_id = client.id,
      request_id = result.requestId,
      model = result.model,
      tier = (value(result.decision) or {}).tier,
    }
  end, bufnr)
  if not ok then
    sinks[chat_id] = nil
    notify("the language server is not running; see :lua vim.lsp.get_log_path()")
  end
end

--- `:LlmopsAsk`: ask a question (prompted when empty), pick a tier, stream the answer.
function M.ask(question)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = find_client(bufnr)
  if client == nil then
    notify("the language server is not running; open a rules file (CLAUDE.md, ...) "
      .. "to start it")
    return
  end
  local function with_question(text)
    if text == nil or text == "" then
      return
    end
    pick_tier(client, function(choice)
      if choice == nil then
        return
      end
      send(client, text, bufnr, choice ~= AUTO and choice or nil)
    end)
  end
  if question and question ~= "" then
    with_question(question)
    return
  end
  local prompt = "llmops-ls: Ask: "
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name ~= "" then
    prompt = "llmops-ls: Ask (" .. vim.fn.fnamemodify(name, ":t") .. " attached): "
  end
  vim.ui.input({ prompt = prompt }, with_question)
end

--- `:LlmopsFeedback`: send a verdict on the last answer to `llmops/feedback`.
function M.feedback(verdict)
  if verdict ~= "accepted" and verdict ~= "rejected" then
    notify("feedback is accepted or rejected, not " .. vim.inspect(verdict))
    return
  end
  if last_answer == nil then
    notify("no answer to give feedback on; ask with :LlmopsAsk first")
    return
  end
  local client = vim.lsp.get_client_by_id(last_answer.client_id)
  if client == nil then
    notify("the language server that answered has stopped")
    return
  end
  send_notification(client, FEEDBACK_NOTIFICATION,
    { requestId = last_answer.request_id, verdict = verdict })
  notify(string.format("answer from %s (tier %s) %s", tostring(last_answer.model),
    tostring(last_answer.tier), verdict), vim.log.levels.INFO)
  last_answer = nil
end

--- Define :LlmopsAsk and :LlmopsFeedback.
function M.create_commands()
  vim.api.nvim_create_user_command("LlmopsAsk", function(args)
    M.ask(args.args)
  end, { nargs = "*", desc = "llmops-ls: ask about the current buffer" })
  vim.api.nvim_create_user_command("LlmopsFeedback", function(args)
    M.feedback(args.args)
  end, {
    nargs = 1,
    complete = function() return { "accepted", "rejected" } end,
    desc = "llmops-ls: accept or reject the last answer",
  })
end

return M
