-- wrk script: GET the driver document for a random idTag from a file, or for each
-- idTag of the file in turn with "seq" (to fill a cache once), from the 0-based
-- position <start>, so that a fill longer than one run goes on where the last one
-- stopped. Usage: wrk -t1 -s idtags.lua URL -- <idtag file> <api key> [seq [start]]
local tags = {}
local sequential = false
local next_tag = 0

function init(args)
  for line in io.lines(args[1]) do
    tags[#tags + 1] = line
  end
  wrk.headers["X-API-Key"] = args[2]
  sequential = args[3] == "seq"
  next_tag = tonumber(args[4] or "0")
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local tag
  if sequential then
    next_tag = next_tag % #tags + 1
    tag = tags[next_tag]
  else
    tag = tags[math.random(#tags)]
  end
  return wrk.format("GET", "/api/v1/drivers/by-idtag/" .. tag)
end
