"""Extraction of Lua code / diffs from raw completions (the rule is in extract.py's docstring)."""
from __future__ import annotations

import pytest

from domains.luanti.extract import extract

LUA = 'minetest.register_node("mymod:a", {description = "A"})\n'
DIFF = "--- a/init.lua\n+++ b/init.lua\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 2\n"


@pytest.mark.parametrize("text, want", [
    (LUA, LUA),
    ("```lua\n" + LUA + "```", LUA),
    ("Sure! Here it is:\n\n```lua\n" + LUA + "```\n\nThis registers a node.", LUA),
    ("```\n" + LUA + "```", LUA),
    ("```lua\n" + LUA, LUA),                                   # truncated: fence never closed
    ("Here is the code:\n" + LUA + "```\nExplanation follows", LUA),
    ("```lua\n" + LUA + "```\n```lua\nprint(2)\n```", LUA),    # first block wins
    ("```diff\n" + DIFF + "```\n```lua\n" + LUA + "```", LUA),  # a diff block is not Lua
    ("local S = minetest.get_translator('m')\n", "local S = minetest.get_translator('m')\n"),
])
def test_lua(text, want):
    assert extract(text, "lua") == want


@pytest.mark.parametrize("text", ["", "   \n", "I cannot help with that.", "```lua\n\n```", "```diff\n" + DIFF + "```"])
def test_lua_missing(text):
    assert extract(text, "lua") is None


@pytest.mark.parametrize("text", [
    DIFF, "```diff\n" + DIFF + "```", "The fix:\n```\n" + DIFF + "```\nDone.", "Fix:\n" + DIFF + "\nThat fixes it.",
    "```lua\n" + LUA + "```\n```patch\n" + DIFF + "```",
])
def test_diff(text):
    got = extract(text, "diff")
    assert got is not None and got.strip() == DIFF.strip()


@pytest.mark.parametrize("text", ["```lua\n" + LUA + "```", LUA, "no diff here"])
def test_diff_missing(text):
    assert extract(text, "diff") is None


def test_bad_kind():
    with pytest.raises(ValueError):
        extract(LUA, "python")
