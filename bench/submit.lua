-- wrk script: POST /concerns/new/ as the web form does (multipart, one photo), each request
-- with a fresh nonce. Used by bench/concerns.py:
--
--   wrk -t1 -c4 -d10s -s bench/submit.lua http://127.0.0.1:PORT/concerns/new/ -- \
--       PHOTO.jpg POINTS.txt CSRF_TOKEN NONCE_PREFIX
--
-- POINTS.txt: one "latitude longitude category-slug" per line, inside the areas served.
-- Every request gets nonce NONCE_PREFIX-T-N (T: when this wrk run started, N counts up, so runs
-- never repeat a nonce), confirm_new=1 (the resident has seen the duplicate suggestions and goes
-- on), the CSRF cookie and its form token.

local boundary = "----openbeat-bench-7MA4YWxkTrZu0gW"
local photo, points, token, prefix
local counter, path = 0, "/concerns/new/"

local function part(name, value)
  return "--" .. boundary .. "\r\n" ..
    'Content-Disposition: form-data; name="' .. name .. '"\r\n\r\n' .. value .. "\r\n"
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
  token, prefix = args[3], args[4] .. "-" .. os.time()
end

function request()
  counter = counter + 1
  local point = points[(counter - 1) % #points + 1]
  local body = part("csrfmiddlewaretoken", token) ..
    part("category", point[3]) ..
    part("description", "Benchmark report " .. counter .. ": cars race down Main Street every night after 11.") ..
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
  return wrk.format("POST", path, headers, body)
end
