-- wrk script: GET the driver document for a random idTag from a file.
-- Usage: wrk -s idtags.lua URL -- <idtag file> <api key>
local tags = {}

function init(args)
  for line in io.lines(args[1]) do
    tags[#tags + 1] = line
  end
  wrk.headers["X-API-Key"] = args[2]
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", "/api/v1/drivers/by-idtag/" .. tags[math.random(#tags)])
end
