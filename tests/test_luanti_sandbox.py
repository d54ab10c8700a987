"""The LuaJIT sandbox: the mock API behaves like the engine where it matters, and hostile code is a
scored failure with a clear detail while the host process (and the worker pool) survives."""
from __future__ import annotations

import os
import time

import pytest

from domains.luanti.sandbox import LUA_FUNCTION, SandboxPool


@pytest.fixture(scope="module")
def pool():
    p = SandboxPool(workers=1, wall_timeout=2.0, memory_mb=512, instructions=2_000_000, print_cap=2048)
    yield p
    p.close()


def test_records_calls_and_engine_tables(pool):
    res = pool.run('''
local S = minetest.get_translator("mymod")
minetest.register_node("mymod:a", {description = S("A @1 @2", "x", 2), groups = {cracky = 1}})
core.register_tool(":other:pick", {on_use = function() end})
assert(minetest.registered_nodes["mymod:a"].name == "mymod:a")
assert(minetest.registered_items["other:pick"].stack_max == 1)
assert(minetest.registered_tools["other:pick"].type == "tool")
assert(minetest.get_current_modname() == "mymod" and minetest.get_modpath("mymod"))
assert(minetest.get_modpath("othermod") == nil)
local v = vector.add(vector.new(1, 2, 3), vector.new(1, 1, 1))
assert(v.x == 2 and v.z == 4 and vector.distance(v, v) == 0)
assert(#("a,b,c"):split(",") == 3 and table.copy({x = {1}}).x[1] == 1)
assert(minetest.settings:get("x") == nil and minetest.settings:get_bool("y", true) == true)
minetest.after(1, function() error("callbacks are recorded, never run") end)
print(dump({1}))
''')
    assert res["status"] == "ok", res
    node = next(c for c in res["calls"] if c["api"] == "register_node")
    assert node["args"][0] == "mymod:a" and node["args"][1]["description"] == "A x 2"
    tool = next(c for c in res["calls"] if c["api"] == "register_tool")
    assert tool["args"][1]["on_use"] == LUA_FUNCTION and tool["args"][0] == ":other:pick"
    assert "[1] = 1" in res["output"]


def test_modname_decides_the_prefix_rule(pool):
    code = 'minetest.register_node("farming:x", {})'
    assert pool.run(code, "farming")["status"] == "ok"
    res = pool.run(code, "mymod")
    assert res["status"] == "runtime_error"
    assert 'init.lua:1: Name farming:x does not follow naming conventions: "mymod:"' in res["detail"]


@pytest.mark.parametrize("code, status, needle", [
    ("while true do end", "timeout", "instruction limit"),
    ("local n = 0 repeat n = n + 1 until false", "timeout", "instruction limit"),
    ("while true do pcall(function() while true do end end) end", "timeout", "instruction limit"),
    ("local ok = pcall(function() while true do end end) print('escaped', ok) x()", "timeout", "instruction"),
    ("xpcall(function() while true do end end, function() while true do end end)", "timeout", "instruction"),
    ("xpcall(error, function() while true do end end)", "timeout", ""),
    ('os.execute("touch /tmp/wb_pwned")', "runtime_error", "field 'execute' (a nil value)"),
    ('io.open("/etc/passwd")', "runtime_error", "global 'io' (a nil value)"),
    ('require("socket")', "runtime_error", "global 'require'"),
    ('loadstring("return 1")()', "runtime_error", "global 'loadstring'"),
    ('load(function() return nil end)', "runtime_error", "global 'load'"),
    ('dofile("/etc/passwd")', "runtime_error", "global 'dofile'"),
    ("debug.sethook()", "runtime_error", "global 'debug'"),
    ("jit.on()", "runtime_error", "global 'jit'"),
    ("coroutine.wrap(print)()", "runtime_error", "global 'coroutine'"),
    ("setfenv(1, {})", "runtime_error", "global 'setfenv'"),
    ("getfenv(0).os = 1", "runtime_error", "global 'getfenv'"),
    ("string.dump(print)", "runtime_error", "field 'dump'"),
    ('getmetatable("").__index.dump = 1', "runtime_error", "index a boolean"),
    ('rawset(string, "rep", nil)', "runtime_error", "rawset on a sandbox library table"),
    ('local s = "x" for i = 1, 40 do s = s .. s end', "resource_limit", "memory"),
    ('local s = string.rep("x", 2^29)', "resource_limit", "memory"),
    ('local ok = pcall(string.rep, "x", 2^30) while true do end', "resource_limit", "memory"),
    ("local function f() return 1 + f() end f()", "resource_limit", "stack overflow"),
    ('string.find(string.rep("a", 5000), "a-a-a-a-a-a-a-b")', "timeout", "wall-clock"),
    ('setmetatable(_G, {__index = function(t, k) return string end}) os.execute("id")', "runtime_error", "nil"),
    ('minetest.register_node("mymod:a", setmetatable({}, {__index = function() while true do end end}))',
     "timeout", "instruction limit"),
])
def test_hostile_code_is_contained(pool, code, status, needle):
    t0 = time.monotonic()
    res = pool.run(code)
    assert res["status"] == status, res
    assert needle in res["detail"]
    assert time.monotonic() - t0 < 10
    assert not os.path.exists("/tmp/wb_pwned")
    assert pool.run("x = 1")["status"] == "ok"     # the pool still serves after every attack


def test_print_spam_is_captured_and_capped(pool):
    res = pool.run('for i = 1, 1e9 do print("spam spam spam") end')
    assert res["status"] == "timeout"
    assert 1000 < len(res["output"]) < 2048 + 200 and "bytes of output dropped" in res["output"]


def test_giant_and_cyclic_tables_are_cut(pool):
    res = pool.run('local t = {} t.self = t minetest.register_node("mymod:a", t)'
                   ' local big = {} for i = 1, 100000 do big[i] = {i} end minetest.register_node("mymod:b", big)')
    assert res["status"] == "ok"
    assert len(res["calls"]) == 2


def test_worker_death_is_a_scored_failure_and_replaced(pool):
    worker = pool._idle.get()
    pool._idle.put(worker)
    if worker.proc is None:
        pool.run("x = 1")
    worker.proc.kill()
    worker.proc.wait()
    res = pool.run("x = 1")
    assert res["status"] == "resource_limit" and "worker died" in res["detail"]
    assert pool.run("x = 1")["status"] == "ok"


def test_fresh_runtime_per_task(pool):
    assert pool.run("minetest.leak = 1 leaked_global = 2")["status"] == "ok"
    res = pool.run("assert(leaked_global == nil and minetest.leak == nil)")
    assert res["status"] == "ok", res


def _validate_in_child(_):
    from domains.luanti import sandbox as sb
    return [sb.get_pool().run('minetest.register_node("mymod:a", {description = "A"})', "mymod")["status"]
            for _ in range(150)]


def test_forked_processes_do_not_share_the_parents_sandbox_worker():
    # The scorer forks worker processes after the audit has used the pool in the parent.
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from domains.luanti import sandbox as sb

    assert sb.get_pool().run("x = 1", "mymod")["status"] == "ok"
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
        futs = [ex.submit(_validate_in_child, i) for i in range(4)]
        parent = [sb.get_pool().run("y = 2", "mymod")["status"] for _ in range(150)]
        children = [s for f in futs for s in f.result()]
    assert set(parent) == {"ok"} and set(children) == {"ok"} and len(children) == 600
