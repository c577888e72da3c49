-- wrk script: 95 % GET of the driver document for a random idTag, 5 % writes: half
-- renaming that tag's driver, half renaming a charger (a charger object in many
-- documents). Usage: wrk -s mixed.lua URL -- <file of "idTag driverId chargerId"> <api key>
-- [driver renames per 1,000] [charger renames per 1,000] (25 and 25 unless given; the
-- costs phase of bench/scale.py also runs 0 0, reads alone, and 500 500, writes alone).
local rows = {}
local n = 0
-- a roll of 1..1000 at or under driver_upto renames a driver, then up to write_upto a charger
local driver_upto, write_upto = 25, 50

function init(args)
  for line in io.lines(args[1]) do
    local tag, driver, charger = line:match("(%S+)%s+(%S+)%s+(%S+)")
    rows[#rows + 1] = {tag, driver, charger}
  end
  wrk.headers["X-API-Key"] = args[2]
  if args[3] then
    driver_upto = tonumber(args[3])
    write_upto = driver_upto + tonumber(args[4])
  end
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local row = rows[math.random(#rows)]
  local roll = math.random(1000)
  n = n + 1
  if roll <= driver_upto then
    return wrk.format("PATCH", "/api/v1/drivers/" .. row[2], nil, '{"name":"Driver ' .. n .. '"}')
  elseif roll <= write_upto then
    return wrk.format("PATCH", "/api/v1/chargers/" .. row[3], nil, '{"chargerName":"Charger ' .. n .. '"}')
  end
  return wrk.format("GET", "/api/v1/drivers/by-idtag/" .. row[1])
end
