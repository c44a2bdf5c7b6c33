-- wrk script for the answer save (bench/load_bench.py runs it; see bench/wrk_runner.py).
--
-- wrk gives each thread its own Lua state, so the bench runs one connection per thread and
-- each thread is one signed-in candidate: their session cookie, CSRF header, attempt and
-- question cycle come from the file named by WRK_CANDIDATES, line <thread number>:
--   cookie <TAB> csrf <TAB> attempt id <TAB> pos:options:multiple,... <TAB> pos:revision,...
-- Every save sends the revision the server last returned for that question (else 409), and
-- the last revision acknowledged with HTTP 200 per question comes back through done() as a
-- receipt, so the bench can check each one against the database.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("number", counter)
  table.insert(threads, thread)
end

local function split(text, sep)
  local out = {}
  for piece in string.gmatch(text, "([^" .. sep .. "]+)") do table.insert(out, piece) end
  return out
end

local cookie, csrf, path
local positions, options, multiple, revisions, acked = {}, {}, {}, {}, {}
local next_index, last_position = 0, nil
receipts = ""  -- read by done() through thread:get
ok_count, conflict_count, other_count = 0, 0, 0

function init(args)
  local want, n = tonumber(number), 0
  for line in io.lines(os.getenv("WRK_CANDIDATES")) do
    n = n + 1
    if n == want then
      local f = split(line, "\t")
      cookie, csrf, path = f[1], f[2], "/exams/attempts/" .. f[3] .. "/answer"
      for _, q in ipairs(split(f[4], ",")) do
        local p = split(q, ":")
        local pos = tonumber(p[1])
        table.insert(positions, pos)
        options[pos], multiple[pos] = tonumber(p[2]), p[3] == "1"
      end
      for _, r in ipairs(split(f[5], ",")) do
        local p = split(r, ":")
        revisions[tonumber(p[1])] = tonumber(p[2])
      end
      break
    end
  end
  math.randomseed(want)
end

function request()
  next_index = next_index + 1
  local pos = positions[(next_index - 1) % #positions + 1]
  last_position = pos
  local chosen
  if multiple[pos] then
    local a = math.random(0, options[pos] - 1)
    local b = (a + math.random(1, options[pos] - 1)) % options[pos]
    if a > b then a, b = b, a end
    chosen = a .. "," .. b
  else
    chosen = tostring(math.random(0, options[pos] - 1))
  end
  local body = '{"position":' .. pos .. ',"chosen":[' .. chosen .. '],"flagged":false,'
    .. '"base_revision":' .. revisions[pos] .. '}'
  return wrk.format("POST", path, {
    ["Cookie"] = cookie,
    ["X-CSRFToken"] = csrf,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  local revision = tonumber(string.match(body, '"revision":%s*(%d+)'))
  if status == 200 then
    ok_count = ok_count + 1
    revisions[last_position] = revision
    acked[last_position] = revision
  elseif status == 409 then
    conflict_count = conflict_count + 1
    if revision then revisions[last_position] = revision end
  else
    other_count = other_count + 1
  end
  -- the receipts so far (positions in paper order), for done()
  local parts = {}
  for _, pos in ipairs(positions) do
    if acked[pos] then table.insert(parts, pos .. ":" .. acked[pos]) end
  end
  receipts = table.concat(parts, ",")
end

function done(summary, latency, requests)
  local ok, conflicts, others = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok_count")
    conflicts = conflicts + thread:get("conflict_count")
    others = others + thread:get("other_count")
    io.write("RECEIPTS\t", thread:get("number"), "\t", thread:get("receipts"), "\n")
  end
  io.write(string.format(
    "RESULT\t%d\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\n",
    summary.requests, ok, conflicts, others,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
