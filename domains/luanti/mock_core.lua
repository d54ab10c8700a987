-- The mock `core`/`minetest` table. Behaves like the engine where a mod's load-time code can tell the
-- difference: name-prefix rules (copied in spirit from builtin/game/register.lua), the registered_*
-- tables, required fields the engine asserts, and cheap stand-ins for the common helpers. Callbacks
-- (after, globalstep, on_* handlers) are recorded, never run. Every call is recorded as
-- {api=<name>, n=<argc>, args...} through `record`.
return function(env, modname, record, emit, KNOWN, H)
  local s_sub, s_find, s_gsub, G_error, G_type, G_tostring = string.sub, string.find, string.gsub, error, type, tostring
  local core = {}
  -- The wrapper re-raises a mock's error at the mod's call site, so details read "init.lua:7: ...".
  local G_pcall, G_unpack = pcall, unpack
  local function rec(name, f)
    core[name] = function(...)
      record(name, ...)
      r = {G_pcall(f, ...)}
      if not r[1] then G_error(r[2], 2) end
      return G_unpack(r, 2, table.maxn(r))
    end
  end
  for name in string.gmatch(KNOWN, "[%w_]+") do rec(name, function() return nil end) end

  for _, t in ipairs({"nodes", "items", "tools", "craftitems", "entities", "aliases", "chatcommands",
                      "privileges", "ores", "biomes", "decorations", "schematics"}) do
    core["registered_" .. t] = {}
  end
  core.registered_abms, core.registered_lbms, core.registered_craft_recipes = {}, {}, {}
  core.LIGHT_MAX, core.CONTENT_AIR, core.CONTENT_IGNORE, core.EMERGE_GENERATED = 14, 126, 127, 3
  core.features, core.callback_origins = {}, {}

  local function check_prefix(name)
    if s_sub(name, 1, 1) == ":" then return s_sub(name, 2) end
    local expected = modname .. ":"
    if s_sub(name, 1, #expected) ~= expected then
      G_error("Name " .. name .. " does not follow naming conventions: \"" .. expected ..
        "\" or \":\" prefix required", 0)
    end
    if s_find(s_sub(name, #expected + 1), "[^%w_]") then
      G_error("Name " .. name .. " does not follow naming conventions: contains unallowed characters", 0)
    end
    return name
  end
  local function need_table(what, v)
    if G_type(v) ~= "table" then G_error(what .. " definition must be a table, got " .. G_type(v), 0) end
  end
  local kinds = {node = "registered_nodes", craft = "registered_craftitems", tool = "registered_tools"}
  local function register_item(name, def, kind)
    if name == nil then G_error("Unable to register item: Name is nil", 0) end
    need_table("Item", def)
    name = check_prefix(G_tostring(name))
    def.name, def.type, def.mod_origin = name, kind, modname
    if kind == "node" and def.light_source and G_type(def.light_source) == "number"
        and def.light_source > core.LIGHT_MAX then
      def.light_source = core.LIGHT_MAX
    end
    core[kinds[kind]][name] = def
    core.registered_items[name] = def
    core.registered_aliases[name] = nil
  end
  rec("register_node", function(n, d) register_item(n, d, "node") end)
  rec("register_craftitem", function(n, d) register_item(n, d, "craft") end)
  rec("register_tool", function(n, d) if G_type(d) == "table" then d.stack_max = 1 end register_item(n, d, "tool") end)
  rec("register_item", function(n, d) need_table("Item", d); register_item(n, d, d.type or "none") end)
  rec("register_entity", function(name, def)
    if name == nil then G_error("Unable to register entity: Name is nil", 0) end
    need_table("Entity", def)
    name = check_prefix(G_tostring(name))
    def.name, def.__index, def.mod_origin = name, def, modname
    core.registered_entities[name] = def
  end)
  local function need_action(spec, what)
    need_table(what, spec)
    if G_type(spec.action) ~= "function" then G_error("Required field 'action' of type function", 0) end
  end
  rec("register_abm", function(spec)
    need_action(spec, "ABM"); core.registered_abms[#core.registered_abms + 1] = spec
  end)
  rec("register_lbm", function(spec)
    need_table("LBM", spec); check_prefix(G_tostring(spec.name)); need_action(spec, "LBM")
    core.registered_lbms[#core.registered_lbms + 1] = spec
  end)
  rec("register_chatcommand", function(cmd, def)
    need_table("Chat command", def)
    def.params, def.description, def.privs = def.params or "", def.description or "", def.privs or {}
    def.mod_origin = modname
    core.registered_chatcommands[cmd] = def
  end)
  rec("register_privilege", function(name, def)
    if G_type(def) ~= "table" then def = {description = def or ""} end
    core.registered_privileges[name] = def
  end)
  rec("register_alias", function(alias, target) core.registered_aliases[alias] = target end)
  rec("register_alias_force", function(alias, target) core.registered_aliases[alias] = target end)
  -- The engine validates recipes in C++ when they are registered; these are the checks that fire there.
  rec("register_craft", function(r)
    need_table("Craft", r)
    local kind = r.type or "shaped"
    if kind == "fuel" then
      if G_type(r.recipe) ~= "string" then G_error("Crafting definition (fuel) is missing a recipe", 0) end
    elseif kind == "cooking" then
      if G_type(r.output) ~= "string" then G_error("Crafting definition (cooking) is missing an output", 0) end
      if G_type(r.recipe) ~= "string" then G_error("Crafting definition (cooking) is missing a recipe", 0) end
    elseif kind == "shaped" or kind == "shapeless" or kind == "toolrepair" then
      if kind ~= "toolrepair" and G_type(r.output) ~= "string" then
        G_error("Crafting definition (" .. kind .. ") is missing an output", 0)
      end
      if kind ~= "toolrepair" and G_type(r.recipe) ~= "table" then
        G_error("Crafting definition (" .. kind .. ") is missing a recipe (or the recipe is not a table)", 0)
      end
    else
      G_error("Crafting definition has an unknown type: " .. G_tostring(kind), 0)
    end
    core.registered_craft_recipes[#core.registered_craft_recipes + 1] = r
  end)
  local function callbacks(name)
    local list = {}
    core["registered_" .. s_sub(name, 10) .. "s"] = list
    rec(name, function(f)
      if G_type(f) ~= "function" then G_error(name .. " expects a function, got " .. G_type(f), 0) end
      list[#list + 1] = f
    end)
  end
  for _, n in ipairs({"register_globalstep", "register_on_joinplayer", "register_on_leaveplayer",
      "register_on_newplayer", "register_on_dieplayer", "register_on_respawnplayer", "register_on_prejoinplayer",
      "register_on_chat_message", "register_on_chatcommand", "register_on_player_receive_fields",
      "register_on_craft", "register_on_dignode", "register_on_placenode", "register_on_punchnode",
      "register_on_generated", "register_on_mods_loaded", "register_on_shutdown", "register_on_player_hpchange",
      "register_on_punchplayer", "register_on_rightclickplayer", "register_on_item_eat", "register_on_cheat",
      "register_on_player_inventory_action", "register_on_protection_violation", "register_on_priv_grant",
      "register_on_priv_revoke", "register_on_auth_fail", "register_on_authplayer",
      "register_on_liquid_transformed", "register_on_modchannel_message"}) do
    callbacks(n)
  end
  rec("override_item", function(name, redef)
    local def = core.registered_items[name]
    if not def then G_error("Attempt to override non-existent item " .. G_tostring(name), 0) end
    for k, v in pairs(redef) do def[k] = v end
  end)
  rec("unregister_item", function(name) core.registered_items[name] = nil end)

  -- helpers that return something a mod can keep computing with
  rec("get_current_modname", function() return modname end)
  rec("get_modpath", function(m) if m == modname then return "/sandbox/mods/" .. m end return nil end)
  rec("get_worldpath", function() return "/sandbox/world" end)
  rec("get_modnames", function() return {modname} end)
  rec("get_translator", function()
    return function(s, ...)
      local args = {...}
      return (s_gsub(G_tostring(s), "@(%d)", function(i) return G_tostring(args[tonumber(i)] or "") end))
    end
  end)
  rec("translate", function(_, s, ...) return core.get_translator()(s, ...) end)
  rec("after", function(t, f)
    if G_type(f) ~= "function" then G_error("core.after: expected a function, got " .. G_type(f), 0) end
    return {cancel = function() end}
  end)
  rec("log", function(a, b) emit("[log] " .. G_tostring(b or a) .. "\n") end)
  rec("chat_send_all", function(m) emit("[chat] " .. G_tostring(m) .. "\n") end)
  rec("chat_send_player", function(p, m) emit("[chat " .. G_tostring(p) .. "] " .. G_tostring(m) .. "\n") end)
  local counter = 0
  rec("sound_play", function() counter = counter + 1; return counter end)
  rec("get_us_time", function() counter = counter + 1000; return counter end)
  rec("get_gametime", function() return 0 end)
  rec("get_timeofday", function() return 0.5 end)
  rec("get_node", function() return {name = "air", param1 = 0, param2 = 0} end)
  rec("get_node_or_nil", function() return {name = "air", param1 = 0, param2 = 0} end)
  rec("get_node_light", function() return 15 end)
  rec("get_connected_players", function() return {} end)
  rec("get_objects_inside_radius", function() return {} end)
  rec("find_nodes_in_area", function() return {}, {} end)
  rec("is_protected", function() return false end)
  rec("is_creative_enabled", function() return false end)
  rec("is_singleplayer", function() return true end)
  rec("get_item_group", function(name, group)
    local d = core.registered_items[name]
    return (d and d.groups and d.groups[group]) or 0
  end)
  rec("get_node_group", function(name, group) return core.get_item_group(name, group) end)
  rec("pos_to_string", function(p) return "(" .. p.x .. "," .. p.y .. "," .. p.z .. ")" end)
  rec("hash_node_position", function(p) return (p.z + 32768) * 65536 * 65536 + (p.y + 32768) * 65536 + p.x + 32768 end)
  rec("formspec_escape", function(s) return (s_gsub(G_tostring(s), "([%[%]\\,;])", "\\%1")) end)
  rec("colorize", function(c, m) return "\27(c@" .. G_tostring(c) .. ")" .. G_tostring(m) .. "\27(c@#ffffff)" end)
  rec("get_color_escape_sequence", function(c) return "\27(c@" .. G_tostring(c) .. ")" end)
  rec("check_player_privs", function() return true, {} end)
  rec("string_to_privs", function(s)
    local r = {}; for p in string.gmatch(s or "", "[^,%s]+") do r[p] = true end; return r
  end)
  rec("dir_to_facedir", function() return 0 end)
  rec("facedir_to_dir", function() return env.vector.new(0, 0, 1) end)
  rec("dir_to_yaw", function() return 0 end)
  rec("yaw_to_dir", function() return env.vector.new(0, 0, 1) end)
  local function storage()
    local data = {}
    return {get_string = function(_, k) return data[k] or "" end, set_string = function(_, k, v) data[k] = v end,
            get_int = function(_, k) return tonumber(data[k]) or 0 end, set_int = function(_, k, v) data[k] = v end,
            get_float = function(_, k) return tonumber(data[k]) or 0 end, set_float = function(_, k, v) data[k] = v end,
            contains = function(_, k) return data[k] ~= nil end, to_table = function() return {fields = data} end,
            from_table = function() return true end, get_inventory = function() return nil end}
  end
  rec("get_meta", storage)
  rec("get_mod_storage", storage)
  rec("get_node_timer", function()
    return {start = function() end, stop = function() end, set = function() end,
            is_started = function() return false end, get_timeout = function() return 0 end,
            get_elapsed = function() return 0 end}
  end)
  local noise = {get_2d = function() return 0 end, get_3d = function() return 0 end}
  rec("get_perlin", function() return noise end)
  local settings = {}
  function settings.get() return nil end
  function settings.get_bool(_, _, default) return default end
  function settings.set() end
  function settings.set_bool() end
  function settings.remove() return true end
  function settings.has() return false end
  function settings.get_names() return {} end
  function settings.write() return true end
  core.settings = settings

  env.ItemStack = function(s)
    local name, count = "", 0
    if G_type(s) == "string" then
      name = string.match(s, "^(%S*)") or ""; count = tonumber(string.match(s, "^%S+%s+(%d+)")) or (name ~= "" and 1 or 0)
    elseif G_type(s) == "table" then name, count = s.name or "", s.count or 1 end
    local st = {}
    function st.get_name() return name end
    function st.get_count() return count end
    function st.set_count(_, c) count = c; return true end
    function st.is_empty() return name == "" or count == 0 end
    function st.take_item(_, n) n = math.min(n or 1, count); count = count - n; return env.ItemStack(name .. " " .. n) end
    function st.to_string() return count > 1 and (name .. " " .. count) or name end
    function st.get_meta() return storage() end
    function st.get_wear() return 0 end
    function st.add_wear() end
    return st
  end
  local function prng(seed)
    local x = (tonumber(seed) or 0) % 2147483647
    return {next = function(_, a, b)
      x = (x * 1103515245 + 12345) % 2147483648
      if a then return a + x % ((b or 32767) - a + 1) end
      return x % 32768
    end}
  end
  env.PseudoRandom, env.PcgRandom = prng, prng
  env.PerlinNoise = function() return noise end
  env.VoxelArea = {new = function(_, t) return t end}

  -- minetest_game's `default` API, which real mods call at load time for node sounds and formspecs
  local default = {LIGHT_MAX = 14, gui_bg = "", gui_bg_img = "", gui_slots = ""}
  for _, kind in ipairs({"", "_stone", "_dirt", "_sand", "_gravel", "_wood", "_leaves", "_glass", "_ice",
                         "_metal", "_water", "_snow"}) do
    default["node_sound" .. kind .. "_defaults"] = function(t) t = t or {}; return t end
  end
  function default.get_hotbar_bg() return "" end
  function default.can_interact_with_node() return true end
  env.default = default
  return core
end
