"""The real headless Luanti server check. Skipped (with the reason) when the binary is absent, unless
WB_REQUIRE_SERVER=1 (set by .ci/run), where a missing server fails loudly."""
from __future__ import annotations

import os

import pytest

from domains.base import ToolMissing
from domains.luanti import server

HAVE, WHY = server.available()
needs_server = pytest.mark.skipif(not HAVE and os.environ.get("WB_REQUIRE_SERVER") != "1",
                                  reason=f"real Luanti server absent ({WHY})")


@needs_server
@pytest.mark.slow
def test_gold_mod_loads_and_broken_ones_fail():
    ok = server.load_mod('minetest.register_node("mymod:a", {description = "A", tiles = {"a.png"},\n'
                         '  sounds = default.node_sound_stone_defaults()})\n')
    assert ok.status == "ok" and ok.levels == {"server_loads": True}, ok
    syntax = server.load_mod('minetest.register_node("mymod:a", {description = "A",)\n')
    assert syntax.status == "syntax_error" and "mymod/init.lua:1:" in syntax.detail
    prefix = server.load_mod('minetest.register_node("other:a", {})\n')
    assert prefix.status == "runtime_error" and "does not follow naming conventions" in prefix.detail
    own = server.load_mod('minetest.register_node("farming:x", {})\n', modname="farming")
    assert own.status == "ok", own          # a mod named like a game mod must not depend on itself


@needs_server
@pytest.mark.slow
def test_domain_server_level(tmp_path):
    import domains

    dom = domains.get("luanti")
    item = {"id": "x", "family": "scaffold", "instruction": "i", "input": "",
            "output": 'minetest.register_craftitem("mymod:gem", {description = "Gem"})\n',
            "expect": {"calls": [{"api": "register_craftitem", "name": "mymod:gem"}]}}
    res = dom.validate(item, item["output"], server=True)
    assert res.passed and res.level == "server_loads", res


def test_missing_binary_is_loud(monkeypatch, tmp_path):
    monkeypatch.setattr(server, "BINARY", tmp_path / "no-such-server")
    assert server.available()[0] is False
    with pytest.raises(ToolMissing, match="apt-get install -y minetest-server"):
        server.load_mod("x = 1")
