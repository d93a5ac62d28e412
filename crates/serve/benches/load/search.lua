-- wrk script: GET /api/search?q=WORD for words drawn at random from WORDS_FILE (one query
-- a line, already percent-encoded).
local words = {}

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed or os.time())
  local path = os.getenv("WORDS_FILE") or "words.txt"
  for line in io.lines(path) do
    if #line > 0 then words[#words + 1] = line end
  end
  if #words == 0 then error("no queries in " .. path) end
end

function request()
  return wrk.format("GET", "/api/search?q=" .. words[math.random(#words)])
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
