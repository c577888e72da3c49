-- wrk script: 95 % GET of the driver document for a random idTag, 5 % writes: half
-- renaming that tag's driver, half renaming a charger (a charger object in many
-- documents). Usage: wrk -s mixed.lua URL -- <file of "idTag driverId chargerId"> <api key>
local rows = {}
local n = 0

function init(args)
  for line in io.lines(args[1]) do
    local tag, driver, charger = line:match("(%S+)%s+(%S+)%s+(%S+)")
    rows[#rows + 1] = {tag, driver, charger}
  end
  wrk.headers["X-API-Key"] = args[2]
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local row = rows[math.random(#rows)]
  local roll = math.random(1000)
  n = n + 1
  if roll <= 500 then
    return wrk.format("PATCH", "/api/v1/drivers/" .. row[2], nil, '{"name":"Driver ' .. n .. '"}')
  elseif roll <= 1000 then
    return wrk.format("PATCH", "/api/v1/chargers/" .. row[3], nil, '{"chargerName":"Charger ' .. n .. '"}')
  end
  return wrk.format("GET", "/api/v1/drivers/by-idtag/" .. row[1])
end
