-- wrk script for every load run of bench/run.py and the benchmarks built on it.
--
--   wrk -t1 -c4 -d10s -s bench/distinct.lua http://127.0.0.1:PORT/PATH
--   wrk -t1 -c4 -d10s -s bench/distinct.lua http://127.0.0.1:PORT/ -- PATHS.txt POSITION.txt
--
-- Without arguments every request asks for the URL's path. With them, every request is a
-- different path, so every answer is a page-cache miss (bench/concerns.py; bench/misses.py
-- writes the paths). PATHS.txt: one path (with its query string) per line. POSITION.txt: how
-- many of them earlier runs took. Each run takes paths in blocks of 100, writing the end of its
-- block before using it, so no path is asked twice in a whole benchmark, across wrk runs and
-- the Python probes (bench/misses.Distinct shares the file).
--
-- Every RECONNECT-th request says "Connection: close", and wrk connects again: clients come
-- and go. wrk's few connections would otherwise stay on whichever web workers accepted them
-- first, often all on one (hello measured at ~1,100 or ~3,100 req/s by that luck alone).

local paths, position, reserved, state = {}, 0, 0, nil
local BLOCK = 100
local RECONNECT = 100
local sent, closing = 0, nil

local function headers()
  sent = sent + 1
  if sent % RECONNECT ~= 0 then return nil end
  if closing == nil then
    closing = {}
    for name, value in pairs(wrk.headers) do closing[name] = value end
    closing["Connection"] = "close"
  end
  return closing
end

local function reserve()
  reserved = position + BLOCK
  local file = assert(io.open(state, "w"))
  file:write(tostring(reserved))
  file:close()
end

function init(args)
  if args[1] == nil then return end
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  state = args[2]
  local file = io.open(state, "r")
  if file then
    position = tonumber(file:read("*l")) or 0
    file:close()
  end
  reserve()
end

function request()
  if state == nil then return wrk.format(nil, nil, headers()) end
  if position >= reserved then reserve() end
  position = position + 1
  return wrk.format(nil, paths[(position - 1) % #paths + 1], headers())
end
