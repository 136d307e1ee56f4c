-- Neovim 0.7's built-in LSP client against alamode-language-server, headless.
-- Reads its expectations from $ALAMODE_NVIM_EXPECT (a JSON file written by run.mjs from the seed's
-- hashes), checks diagnostics, code lenses and a hover, and exits 0 (qa!) or non-zero (cq!).
local expect = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('ALAMODE_NVIM_EXPECT')), '\n'))
local failures = {}

local function check(ok, message)
  if not ok then table.insert(failures, message) end
end

local function finish()
  if #failures == 0 then
    io.stdout:write('nvim: all checks passed\n')
    vim.cmd('qa!')
  else
    for _, f in ipairs(failures) do io.stderr:write('nvim: FAIL: ' .. f .. '\n') end
    vim.cmd('cq!')
  end
end

local ok, err = pcall(function()
  local client_id = vim.lsp.start_client({
    name = 'alamode',
    -- As the README configures it (the VS Code client's flags and environment, server/src/protocol.ts).
    cmd = { expect.node, '--max-semi-space-size=4', expect.server, '--stdio' },
    cmd_env = { MALLOC_TRIM_THRESHOLD_ = '131072' },
    root_dir = expect.root,
  })
  check(client_id ~= nil, 'the server did not start')
  local client = vim.lsp.get_client_by_id(client_id)

  -- Diagnostics on the module with problems.
  vim.cmd('edit ' .. vim.fn.fnameescape(expect.problems))
  local pbuf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(pbuf, client_id)
  vim.wait(15000, function() return #vim.diagnostic.get(pbuf) > 0 end, 50)
  local codes = {}
  for _, d in ipairs(vim.diagnostic.get(pbuf)) do
    codes[d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code or '?'] = d.message
  end
  for _, code in ipairs(expect.diagnosticCodes) do
    check(codes[code] ~= nil, 'no ' .. code .. ' diagnostic')
  end
  check(codes['missing-input'] == expect.missingInputMessage, 'missing-input message: ' .. tostring(codes['missing-input']))

  -- Code lenses on the seed's example.
  vim.cmd('edit ' .. vim.fn.fnameescape(expect.collage))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client_id)
  vim.wait(10000, function() return client.initialized end, 50)
  local lenses = {}
  vim.wait(15000, function()
    vim.lsp.codelens.refresh()
    lenses = vim.lsp.codelens.get(buf)
    return #lenses >= #expect.lensTitles
  end, 200)
  local titles = {}
  for _, lens in ipairs(lenses) do titles[lens.command.title] = lens.range.start.line end
  for _, t in ipairs(expect.lensTitles) do
    check(titles[t.title] == t.line, 'lens "' .. t.title .. '" on line ' .. t.line .. ', got ' .. tostring(titles[t.title]))
  end
  check(#lenses == #expect.lensTitles, 'expected ' .. #expect.lensTitles .. ' lenses, got ' .. #lenses)

  -- Hover on the `blur` variable.
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    position = { line = expect.hover.line, character = expect.hover.character },
  }
  local response = client.request_sync('textDocument/hover', params, 10000, buf)
  local value = response and response.result and response.result.contents and response.result.contents.value or ''
  check(string.find(value, expect.hover.contains, 1, true) ~= nil, 'hover does not contain ' .. expect.hover.contains .. ': ' .. value)
end)
if not ok then table.insert(failures, 'error: ' .. tostring(err)) end
finish()
