-- wrk script: every request a different path, so every answer is a page-cache miss. Used by
-- bench/concerns.py (bench/misses.py writes the paths):
--
--   wrk -t1 -c4 -d10s -s bench/distinct.lua http://127.0.0.1:PORT/ -- PATHS.txt POSITION.txt
--
-- PATHS.txt: one path (with its query string) per line. POSITION.txt: how many of them earlier
-- runs took. Each run takes paths in blocks of 100, writing the end of its block before using
-- it, so no path is asked twice in a whole benchmark, across wrk runs and the Python probes
-- (bench/misses.Distinct shares the file).

local paths, position, reserved, state = {}, 0, 0, nil
local BLOCK = 100

local function reserve()
  reserved = position + BLOCK
  local file = assert(io.open(state, "w"))
  file:write(tostring(reserved))
  file:close()
end

function init(args)
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
  if position >= reserved then reserve() end
  position = position + 1
  return wrk.format(nil, paths[(position - 1) % #paths + 1])
end
