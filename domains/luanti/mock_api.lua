-- Sandbox prelude: runs with the full LuaJIT globals of a FRESH runtime and returns `run(code, modname,
-- limit, print_cap, max_calls)`. The mod's chunk gets its own environment table (built below) holding
-- only safe base functions, string/table/math, a reduced os (clock functions only) and a mock
-- `minetest`/`core` API that records every call. Nothing here is reachable from the mod except the
-- environment itself; the prelude uses local references so a mod that patches string methods cannot
-- change how the prelude checks names.
local G_pcall, G_xpcall, G_error, G_type, G_tostring, G_select = pcall, xpcall, error, type, tostring, select
local G_setmetatable, G_getmetatable, G_rawset, G_pairs, G_next = setmetatable, getmetatable, rawset, pairs, next
local s_sub, s_find, s_format, s_gsub, s_rep = string.sub, string.find, string.format, string.gsub, string.rep
local t_concat, t_insert = table.concat, table.insert
local sethook, loadstring_, setfenv_ = debug.sethook, loadstring, setfenv
local LIMIT_MSG = "instruction limit exceeded"
local dofile_mock_api = dofile_mock_api  -- set by sandbox.py, then removed from the globals

-- string.dump would give the mod bytecode; the real string table is shared with every string's
-- metatable, so it is removed there and the metatable is hidden (getmetatable("") returns false).
string.dump = nil
G_getmetatable("").__metatable = false

local H = {}  -- helpers added to string/table/math as the engine's builtin does
function string.split(str, delim, include_empty, max_splits, sep_is_pattern)
  delim = delim or ","; max_splits = max_splits or -2
  local items, pos, plain = {}, 1, not sep_is_pattern
  repeat
    local np, npe = s_find(str, delim, pos, plain)
    local s = s_sub(str, pos, np and np - 1)
    if include_empty or s ~= "" then max_splits = max_splits - 1; items[#items + 1] = s end
    pos = npe and npe + 1
  until not np or max_splits == -1
  if pos and (include_empty or s_sub(str, pos) ~= "") then items[#items + 1] = s_sub(str, pos) end
  return items
end
function string.trim(s) return (s_gsub(s, "^%s*(.-)%s*$", "%1")) end
function table.copy(t, seen)
  local n = {}; seen = seen or {}; seen[t] = n
  for k, v in G_pairs(t) do
    n[(G_type(k) == "table" and (seen[k] or table.copy(k, seen))) or k] =
      (G_type(v) == "table" and (seen[v] or table.copy(v, seen))) or v
  end
  return n
end
function table.indexof(list, val) for i, v in ipairs(list) do if v == val then return i end end return -1 end
function table.insert_all(t, o) for _, v in ipairs(o) do t[#t + 1] = v end return t end
function table.key_value_swap(t) local r = {} for k, v in G_pairs(t) do r[v] = k end return r end
function math.hypot(x, y) return math.sqrt(x * x + y * y) end
function math.sign(x, tol) tol = tol or 0; if x > tol then return 1 elseif x < -tol then return -1 end return 0 end
function math.round(x) if x >= 0 then return math.floor(x + 0.5) end return math.ceil(x - 0.5) end

function H.dump(o, indent, seen)
  indent = indent or ""; seen = seen or {}
  local t = G_type(o)
  if t == "string" then return s_format("%q", o) end
  if t ~= "table" then return G_tostring(o) end
  if seen[o] then return "<circular>" end
  seen[o] = true
  local parts, inner = {}, indent .. "\t"
  for k, v in G_pairs(o) do
    parts[#parts + 1] = inner .. "[" .. H.dump(k, inner, seen) .. "] = " .. H.dump(v, inner, seen)
  end
  seen[o] = nil
  if #parts == 0 then return "{}" end
  return "{\n" .. t_concat(parts, ",\n") .. "\n" .. indent .. "}"
end

-- vector: the engine's constructors and arithmetic, enough for mods that compute positions at load time
local vector = {}
local vmeta = {__index = vector}
local function V(x, y, z) return G_setmetatable({x = x, y = y, z = z}, vmeta) end
function vector.new(a, b, c)
  if G_type(a) == "table" then return V(a.x, a.y, a.z) end
  if a == nil then return V(0, 0, 0) end
  return V(a, b, c)
end
function vector.zero() return V(0, 0, 0) end
function vector.copy(v) return V(v.x, v.y, v.z) end
local function vop(f) return function(a, b)
  if G_type(b) == "table" then return V(f(a.x, b.x), f(a.y, b.y), f(a.z, b.z)) end
  return V(f(a.x, b), f(a.y, b), f(a.z, b))
end end
vector.add = vop(function(p, q) return p + q end)
vector.subtract = vop(function(p, q) return p - q end)
vector.multiply = vop(function(p, q) return p * q end)
vector.divide = vop(function(p, q) return p / q end)
function vector.length(v) return math.sqrt(v.x * v.x + v.y * v.y + v.z * v.z) end
function vector.distance(a, b) return vector.length(vector.subtract(a, b)) end
function vector.normalize(v) local l = vector.length(v); if l == 0 then return V(0, 0, 0) end return vector.divide(v, l) end
function vector.equals(a, b) return a.x == b.x and a.y == b.y and a.z == b.z end
function vector.apply(v, f) return V(f(v.x), f(v.y), f(v.z)) end
function vector.round(v) return vector.apply(v, math.round) end
function vector.floor(v) return vector.apply(v, math.floor) end
function vector.offset(v, x, y, z) return V(v.x + x, v.y + y, v.z + z) end
function vector.direction(a, b) return vector.normalize(vector.subtract(b, a)) end
function vector.dot(a, b) return a.x * b.x + a.y * b.y + a.z * b.z end
function vector.cross(a, b) return V(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x) end
function vector.to_string(v) return "(" .. v.x .. ", " .. v.y .. ", " .. v.z .. ")" end
vmeta.__add, vmeta.__sub, vmeta.__eq, vmeta.__tostring = vector.add, vector.subtract, vector.equals, vector.to_string
vmeta.__mul, vmeta.__div = vector.multiply, vector.divide
vmeta.__unm = function(v) return V(-v.x, -v.y, -v.z) end

-- Every documented core.* function name (lua_api.txt of Luanti 5.6): unknown names stay nil so that a
-- hallucinated API fails as it would in the engine, known ones record their call and return nil.
local KNOWN = [[add_entity add_item add_node add_node_level add_particle add_particlespawner after
ban_player bulk_set_node calculate_knockback cancel_shutdown_requests chat_send_all chat_send_player
check_for_falling check_player_privs check_single_for_falling clear_craft clear_objects close_formspec
colorize compress create_detached_inventory create_schematic decode_base64 decompress delete_area
delete_particlespawner deserialize dig_node dir_to_facedir dir_to_wallmounted dir_to_yaw disconnect_player
do_item_eat dynamic_add_media emerge_area encode_base64 explode_scrollbar_event explode_table_event
explode_textlist_event facedir_to_dir find_node_near find_nodes_in_area find_nodes_in_area_under_air
find_nodes_with_meta find_path fix_light forceload_block forceload_free_block format_chat_message
formspec_escape get_all_craft_recipes get_artificial_light get_biome_data get_biome_id get_biome_name
get_color_escape_sequence get_connected_players get_content_id get_craft_recipe get_craft_result
get_day_count get_dig_params get_dir_list get_gametime get_heat get_hit_params get_humidity get_inventory
get_mapgen_object get_mapgen_params get_mapgen_setting get_meta get_mod_storage get_modnames
get_name_from_content_id get_natural_light get_node get_node_drops get_node_group get_node_level
get_node_light get_node_max_level get_node_or_nil get_node_timer get_objects_in_area
get_objects_inside_radius get_perlin get_player_by_name get_player_information get_player_ip
get_player_privs get_pointed_thing_to_face_pos get_position_from_hash get_server_status get_server_uptime
get_spawn_level get_timeofday get_tool_wear_after_use get_us_time get_version get_voxel_manip
get_worldpath handle_node_drops hash_node_position hud_replace_builtin inventorycube is_area_protected
is_creative_enabled is_player is_protected is_singleplayer is_yes item_drop item_eat item_place
item_place_node item_place_object kick_player line_of_sight load_area log mkdir node_dig node_punch
override_chatcommand parse_json place_node place_schematic player_exists pos_to_string
privs_to_string punch_node raycast read_schematic record_protection_violation register_alias
register_alias_force register_allow_player_inventory_action register_biome register_can_bypass_userlimit
register_craft_predict register_decoration register_ore register_schematic remove_detached_inventory
remove_node request_shutdown rgba rotate_and_place rotate_node serialize set_gen_notify
set_mapgen_params set_mapgen_setting set_node set_node_level set_player_password set_player_privs
set_timeofday sha1 show_formspec sound_fade sound_play sound_stop spawn_falling_node spawn_tree
string_to_area string_to_pos string_to_privs strip_colors swap_node translate unregister_chatcommand
wallmounted_to_dir wrap_text write_json yaw_to_dir]]

return function(code, modname, limit, print_cap, max_calls)
  local calls, out, out_len, out_dropped = {}, {}, 0, 0
  local state = {exhausted = false, memory = false}
  local function record(api, ...)
    if #calls < max_calls then calls[#calls + 1] = {api = api, n = G_select("#", ...), ...} end
  end
  local function emit(s)
    if out_len + #s > print_cap then out_dropped = out_dropped + #s; return end
    out[#out + 1] = s; out_len = out_len + #s
  end
  local function print_(...)
    local parts = {}
    for i = 1, G_select("#", ...) do parts[i] = G_tostring((G_select(i, ...))) end
    emit(t_concat(parts, "\t") .. "\n")
  end
  -- A mod's own pcall must not swallow our limit error: once a limit is hit, every protected call
  -- re-raises it (and the hook keeps firing every 1000 instructions as well).
  local function guard(ok, ...)
    if state.exhausted then G_error(LIMIT_MSG, 0) end
    if not ok and (...) == "not enough memory" then state.memory = true; G_error("not enough memory", 0) end
    return ok, ...
  end
  local libs = {[string] = true, [table] = true, [math] = true}
  local env = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, select = select,
    tonumber = tonumber, tostring = tostring, type = type, unpack = unpack, setmetatable = setmetatable,
    getmetatable = getmetatable, rawequal = rawequal, rawget = rawget, string = string, table = table,
    math = math, vector = vector, dump = H.dump, dump2 = H.dump, print = print_, _VERSION = _VERSION,
    os = {time = os.time, clock = os.clock, date = os.date, difftime = os.difftime},
    pcall = function(f, ...) return guard(G_pcall(f, ...)) end,
    -- LuaJIT runs message handlers with hooks off: after the limit the mod's handler is skipped
    xpcall = function(f, h, ...)
      return guard(G_xpcall(f, function(e) if state.exhausted then return e end return h(e) end, ...))
    end,
    rawset = function(t, k, v)
      if libs[t] then G_error("rawset on a sandbox library table is not allowed", 2) end
      return G_rawset(t, k, v)
    end,
    collectgarbage = function(opt) if opt == "count" then return collectgarbage("count") end return 0 end,
  }
  env._G = env
  local core = dofile_mock_api(env, modname, record, emit, KNOWN, H)
  env.minetest, env.core = core, core

  local chunk, err = loadstring_(code, "=init.lua")
  if not chunk then return {status = "syntax_error", detail = G_tostring(err), calls = calls, output = ""} end
  setfenv_(chunk, env)
  local budget = math.floor(limit / 1000)
  local function hook()
    budget = budget - 1
    if budget < 0 then state.exhausted = true; G_error(LIMIT_MSG, 0) end
  end
  jit.off()
  sethook(hook, "", 1000)
  local ok, rerr = G_pcall(chunk)
  sethook()
  local status, detail = "ok", ""
  if state.exhausted then
    status, detail = "timeout", LIMIT_MSG .. " (" .. limit .. " Lua instructions)"
  elseif not ok then
    detail = G_type(rerr) == "string" and rerr or ("error object: " .. G_type(rerr))
    if state.memory or s_find(detail, "not enough memory", 1, true) or s_find(detail, "stack overflow", 1, true)
        or s_find(detail, "string length overflow", 1, true) then
      status = "resource_limit"
    else
      status = "runtime_error"
    end
  end
  if out_dropped > 0 then out[#out + 1] = "[... " .. out_dropped .. " bytes of output dropped]\n" end
  return {status = status, detail = detail, calls = calls, output = t_concat(out)}
end
