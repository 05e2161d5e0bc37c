-- One kind of write per wrk run, named by $WRITE, spread over the signed-in users listed in $ACTORS (one per line:
-- token, username, the slug of an article of theirs, another user's username, another user's article's slug; tab-separated).
-- Reports like bench/lib/wrk-report.lua.
--   create | update | comment | favorite | follow | user | export | login | register
local write = os.getenv("WRITE")
local actors = {}
for line in io.lines(os.getenv("ACTORS")) do
  local token, name, slug, other, other_slug = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)$")
  actors[#actors + 1] = { token = token, name = name, slug = slug, other = other, other_slug = other_slug }
end

-- thread_id is a global of each thread's Lua state, set by setup (a local here would hide it).
local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

local n = 0
local run = tostring(os.time())
local json = { ["Content-Type"] = "application/json" }

local function signed_in(actor)
  return { ["Content-Type"] = "application/json", ["Authorization"] = "Token " .. actor.token }
end

-- Favorite and follow alternate add and remove for each actor, so every request changes a row.
request = function()
  n = n + 1
  local actor = actors[(n + thread_id * 7) % #actors + 1]
  local unique = run .. "-" .. thread_id .. "-" .. n
  local add = (math.floor(n / #actors) % 2) == 0
  if write == "create" then
    return wrk.format("POST", "/api/articles", signed_in(actor),
      '{"article":{"title":"Bench ' .. unique .. '","description":"written by bench/writes","body":"' ..
      string.rep("x", 600) .. '","tagList":["bench","writes"]}}')
  elseif write == "update" then
    return wrk.format("PUT", "/api/articles/" .. actor.slug, signed_in(actor),
      '{"article":{"body":"updated ' .. unique .. '"}}')
  elseif write == "comment" then
    return wrk.format("POST", "/api/articles/" .. actor.other_slug .. "/comments", signed_in(actor),
      '{"comment":{"body":"comment ' .. unique .. '"}}')
  elseif write == "favorite" then
    return wrk.format(add and "POST" or "DELETE", "/api/articles/" .. actor.other_slug .. "/favorite", signed_in(actor))
  elseif write == "follow" then
    return wrk.format(add and "POST" or "DELETE", "/api/profiles/" .. actor.other .. "/follow", signed_in(actor))
  elseif write == "user" then
    return wrk.format("PUT", "/api/user", signed_in(actor), '{"user":{"bio":"bio ' .. unique .. '"}}')
  elseif write == "export" then
    return wrk.format("POST", "/api/v2/exports", signed_in(actor), '{"export":{"format":"json"}}')
  elseif write == "login" then
    return wrk.format("POST", "/api/users/login", json,
      '{"user":{"email":"' .. actor.name .. '@seed.example","password":"password"}}')
  elseif write == "register" then
    return wrk.format("POST", "/api/users", json,
      '{"user":{"username":"r' .. unique .. '","email":"r' .. unique .. '@bench.example","password":"password123"}}')
  end
  error("unknown WRITE " .. tostring(write))
end

-- With PACE_MS set, each connection waits that long before each request: a paced load instead of as fast as it goes.
local pace = tonumber(os.getenv("PACE_MS") or "")
if pace then
  delay = function() return pace end
end

dofile(os.getenv("BENCH_LIB") .. "/wrk-report.lua")
