"""LuaJIT helpers of the data builder (trusted input only: Debian's files and the builder's own text).

* `Evaluator.evaluate(call_text)` runs one real registration call against a recording mock whose
  unknown globals are "poison" (every use of them yields poison again): what comes back is the call's
  literal arguments as Python values and the names of the definition fields that were not literal.
* `compiles(code)` is LuaJIT's own parser verdict (None or the error message).
* `record(code, modname)` runs a finished snippet in a strict mock (unknown globals are errors, the
  engine's name-prefix rule is enforced) and returns the recorded `minetest.*` calls; `matches()`
  implements the shared `expect` semantics. This is the builder's self-check of every reference;
  the project's real validator (domains/luanti sandbox) remains the authority.

Not a sandbox: no instruction or memory limits, so never run model output through this module.
"""
from __future__ import annotations

import math

from lupa import luajit21

LUA_SETUP = r"""
local state = {}
local P = {}
local function touch() state.poison = true; return P end
setmetatable(P, {__index = touch, __call = touch, __concat = touch, __add = touch, __sub = touch,
  __mul = touch, __div = touch, __unm = touch, __mod = touch, __pow = touch,
  __tostring = function() state.poison = true; return "<poison>" end})
local function translator(s, ...)
  if type(s) ~= "string" then return touch() end
  local args = {...}
  for i = 1, select("#", ...) do
    local t = type(args[i])
    if t ~= "string" and t ~= "number" then return touch() end
  end
  return (s:gsub("@(%d)", function(n) return tostring(args[tonumber(n)]) end))
end
local function recorder(api)
  return function(...) table.insert(state.calls, {api = api, args = {...}, n = select("#", ...)}) end
end
local mt = setmetatable({get_translator = function() return translator end},
  {__index = function(_, k)
    if type(k) == "string" and k:sub(1, 9) == "register_" then return recorder(k) end
    return touch()
  end})
local safe = {string = string, table = table, math = math, pairs = pairs, ipairs = ipairs,
  type = type, tostring = tostring, tonumber = tonumber, select = select, unpack = unpack,
  S = translator, NS = translator, minetest = mt, core = mt}
local function plain(v)
  if v == P then return nil, true end
  local t = type(v)
  if t == "function" then return "<function>", false end
  if t ~= "table" then return v, false end
  local out, bad = {}, false
  for k, x in pairs(v) do
    local px, b = plain(x)
    if b then bad = true else out[k] = px end
  end
  return out, bad
end
return function(src)
  state = {calls = {}, poison = false}
  local f, err = loadstring(src, "=snippet")
  if not f then return nil, err end
  setfenv(f, setmetatable({}, {__index = function(_, k)
    if safe[k] ~= nil then return safe[k] end
    return touch()
  end}))
  local ok, e = pcall(f)
  if not ok then return nil, tostring(e) end
  local calls = {}
  for i, c in ipairs(state.calls) do
    local args, bad = {}, {}
    for j = 1, c.n do
      local a = c.args[j]
      if type(a) == "table" and a ~= P then
        local d = {}
        for k, x in pairs(a) do
          local px, b = plain(x)
          if b then bad[#bad + 1] = tostring(k) else d[k] = px end
        end
        args[j] = d
      else
        local px, b = plain(a)
        if b then args[j] = "<poison>"; bad[#bad + 1] = "#" .. j else args[j] = px end
      end
    end
    calls[i] = {api = c.api, args = args, n = c.n, bad = bad}
  end
  return calls, state.poison
end
"""

STRICT_RUN = r"""
return function(src, modname)
  local calls = {}
  local translator = function(s, ...)
    local args = {...}
    return (s:gsub("@(%d)", function(n) return tostring(args[tonumber(n)]) end))
  end
  local mt = {}
  mt.get_translator = function() return translator end
  mt.get_current_modname = function() return modname end
  mt.get_modpath = function(m) return "/mods/" .. tostring(m) end
  mt.registered_nodes, mt.registered_items = {}, {}
  setmetatable(mt, {__index = function(_, k)
    return function(...)
      local a = {...}
      if type(k) == "string" and k:match("^register_") and type(a[1]) == "string"
          and k ~= "register_alias" and k ~= "register_chatcommand" and k ~= "register_privilege" then
        local name = a[1]
        if name:sub(1, 1) == ":" then name = name:sub(2)
        elseif name:sub(1, #modname + 1) ~= modname .. ":" then
          error("Name " .. name .. " does not follow naming conventions: "
            .. "\"" .. modname .. ":\" or \":\" prefix required", 2)
        end
        a[1] = name
      end
      calls[#calls + 1] = {api = k, args = a, n = select("#", ...)}
    end
  end})
  local env = {string = string, table = table, math = math, pairs = pairs, ipairs = ipairs,
    type = type, tostring = tostring, tonumber = tonumber, select = select, unpack = unpack,
    minetest = mt, core = mt, print = function() end}
  setmetatable(env, {__index = function(_, k) error("undefined global " .. tostring(k), 2) end})
  local f, err = loadstring(src, "=init.lua")
  if not f then return nil, err end
  setfenv(f, env)
  local ok, e = pcall(f)
  if not ok then return nil, tostring(e) end
  return calls, false
end
"""


class Evaluator:
    def __init__(self):
        self.lua = luajit21.LuaRuntime(unpack_returned_tuples=True)
        self._eval = self.lua.execute(LUA_SETUP)
        self._strict = self.lua.execute(STRICT_RUN)

    def evaluate(self, call_text: str):
        """[(api, args, nonliteral_fields)] for the call(s) made, plus whether poison was touched."""
        calls, info = self._eval(call_text)
        if calls is None:
            return None, True
        out = []
        for c in _seq(calls):
            args = [to_py(c["args"][j]) for j in range(1, int(c["n"]) + 1)]
            out.append((c["api"], args, sorted(to_py(c["bad"]) or [])))
        return out, bool(info)

    def record(self, code: str, modname: str):
        """(calls, error): calls = [(api, args)] in order; error is a message when the code fails."""
        calls, err = self._strict(code, modname)
        if calls is None:
            return None, str(err)
        return [(c["api"], [to_py(c["args"][j]) for j in range(1, int(c["n"]) + 1)])
                for c in _seq(calls)], None


def _seq(t):
    return [t[i] for i in range(1, len(t) + 1)]


def to_py(v):
    """Lua value -> JSON-able Python: tables with keys 1..n become lists; functions '<function>'."""
    t = luajit21.lua_type(v)
    if t == "table":
        keys = list(v.keys())
        if keys and all(isinstance(k, (int, float)) for k in keys) and \
                sorted(keys) == list(range(1, len(keys) + 1)):
            return [to_py(v[i]) for i in range(1, len(keys) + 1)]
        if not keys:
            return {}
        if not all(isinstance(k, str) for k in keys):
            return "<mixed>"  # mixed array/hash tables are not stated in instructions
        return {k: to_py(v[k]) for k in sorted(keys)}
    if t == "function":
        return "<function>"
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


def compiles(code: str) -> str | None:
    try:
        luajit21.LuaRuntime().compile(code, "init.lua")  # noqa: the chunk is only parsed, never run
    except luajit21.LuaSyntaxError as exc:
        return str(exc)
    return None


def contains(want, got) -> bool:
    """Deep containment as the shared expect semantics define it."""
    if want == "<function>":
        return got == "<function>"
    if want == "<table>":
        return isinstance(got, (dict, list))
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and contains(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(contains, want, got))
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and abs(want - got) <= 1e-9
    return want == got


def name_matches(expected: str, got) -> bool:
    """A registered name against an expected one; "*:suffix" (the request left the mod prefix to the
    answer) matches any "<prefix>:suffix", and "*:*" (the request named no item) any "<prefix>:<name>".
    A leading ":" is dropped on both sides."""
    if not isinstance(got, str):
        return False
    want, have = str(expected).lstrip(":"), got.lstrip(":")
    if want == "*:*":
        prefix, sep, rest = have.partition(":")
        return bool(sep and prefix and rest)
    if want.startswith("*:"):
        prefix, sep, rest = have.partition(":")
        return bool(sep and prefix) and rest == want[2:]
    return have == want


def matches(expect: dict, calls) -> str | None:
    """None when every expected call is met by a distinct recorded call, else what is missing."""
    used = set()
    for exp in expect.get("calls", []):
        for i, (api, args) in enumerate(calls):
            if i in used or api != exp["api"]:
                continue
            first = args[0] if args and isinstance(args[0], str) else None
            if "name" in exp and not name_matches(exp["name"], first):
                continue
            table = next((a for a in args if isinstance(a, (dict, list))), None)
            if "fields" in exp and not contains(exp["fields"], table if table is not None else {}):
                continue
            if "args" in exp and not (len(args) >= len(exp["args"]) and
                                      all(map(contains, exp["args"], args))):
                continue
            used.add(i)
            break
        else:
            return f"no call matches {exp}"
    return None
