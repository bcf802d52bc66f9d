-- wrk script: a mix of residents' requests for bench/load.py, or submissions alone for
-- bench/concerns.py. Of every SUBMIT_EVERY requests one is a concern submission exactly as the web
-- form sends it (multipart, one photo, CSRF cookie and token, a fresh nonce, confirm_new=1); the
-- others are GETs taken in turn from PATHS.txt (public pages, map pins, Open311 lists and single
-- requests). With SUBMIT_EVERY=1 every request is a submission (PATHS.txt may be empty).
--
--   wrk -t2 -c64 -d60s --latency -s bench/mix.lua http://127.0.0.1:PORT/ -- \
--       PHOTO.jpg POINTS.txt CSRF_TOKEN NONCE_PREFIX PATHS.txt SUBMIT_EVERY
--
-- POINTS.txt: one "latitude longitude category-slug" per line, inside the areas served. Nonces
-- are NONCE_PREFIX-THREAD-T-N (T: when this wrk run started, N counts up), never repeated.
--
-- Every response's status is counted per thread; done() prints them as one JSON line starting
-- with "statuses:" (302 = a submission acknowledged: the form redirects to the tracking page; the
-- GETs all answer 200), and the tracking token of every acknowledged submission (from its
-- Location header) is written to the file $OPENBEAT_LOAD_TOKENS when it is set, one a line, so
-- the caller can check each one was stored exactly once.

local boundary = "----openbeat-load-5Vq8ZtLw2RbN"
local photo, points, token, prefix, paths, every
local counter, gets = 0, 0
statuses = {}  -- globals: done() reads them from each thread
tokens = {}
local threads = {}

local function part(name, value)
  return "--" .. boundary .. "\r\n" ..
    'Content-Disposition: form-data; name="' .. name .. '"\r\n\r\n' .. value .. "\r\n"
end

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end


function init(args)
  local file = assert(io.open(args[1], "rb"))
  photo = file:read("*a")
  file:close()
  points = {}
  for line in io.lines(args[2]) do
    local lat, lon, slug = line:match("^(%S+) (%S+) (%S+)$")
    if lat then points[#points + 1] = { lat, lon, slug } end
  end
  token = args[3]
  prefix = args[4] .. "-" .. id .. "-" .. os.time()
  paths = {}
  for line in io.lines(args[5]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  every = tonumber(args[6])
end



local function submission()
  local point = points[(counter - 1) % #points + 1]
  local body = part("csrfmiddlewaretoken", token) ..
    part("category", point[3]) ..
    part("description", "Load report " .. counter .. ": cars race down Main Street every night after 11.") ..
    part("latitude", point[1]) ..
    part("longitude", point[2]) ..
    part("location_text", "") ..
    part("website", "") ..
    part("nonce", prefix .. "-" .. counter) ..
    part("confirm_new", "1") ..
    "--" .. boundary .. "\r\n" ..
    'Content-Disposition: form-data; name="photos"; filename="photo.jpg"\r\n' ..
    "Content-Type: image/jpeg\r\n\r\n" .. photo .. "\r\n" ..
    "--" .. boundary .. "--\r\n"
  local headers = {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Cookie"] = "csrftoken=" .. token,
  }
  return wrk.format("POST", "/concerns/new/", headers, body)
end

function request()
  counter = counter + 1
  if every > 0 and counter % every == 0 then
    return submission()
  end
  gets = gets + 1
  return wrk.format("GET", paths[(gets - 1) % #paths + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 302 then
    local token = (headers["Location"] or ""):match("/concerns/track/([^/]+)/")
    if token then tokens[#tokens + 1] = token end
  end
end

function done(summary, latency, requests)
  local total = {}
  -- done() runs in the main script, where init() never ran: the path comes from the environment
  -- (bench/load.py sets it; bench/concerns.py counts what was stored by nonce instead).
  local path = os.getenv("OPENBEAT_LOAD_TOKENS")
  local out = path and assert(io.open(path, "w"))
  for _, thread in ipairs(threads) do
    if out then
      for _, token in ipairs(thread:get("tokens")) do
        out:write(token, "\n")
      end
    end
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
  end
  if out then out:close() end
  local parts = {}
  for status, n in pairs(total) do
    parts[#parts + 1] = '"' .. status .. '": ' .. n
  end
  io.write("statuses: {" .. table.concat(parts, ", ") .. "}\n")
end
