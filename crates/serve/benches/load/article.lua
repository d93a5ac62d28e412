-- wrk script: GET /api/articles/{id} for ids drawn at random from IDS_FILE (one id a line,
-- already percent-encoded where needed). Each wrk thread seeds its own generator.
local ids = {}

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed or os.time())
  local path = os.getenv("IDS_FILE") or "ids.txt"
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no ids in " .. path) end
end

function request()
  return wrk.format("GET", "/api/articles/" .. ids[math.random(#ids)])
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
