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


# --- answered(): generation may stop there, so it must never be True while a continuation can change extract()
ANSWERED = [  # (text, kind, expected)
    ("Here:\n```lua\nlocal x = 1\n```\n", "lua", True),
    ("```lua\nlocal x = 1\n```", "lua", False),          # the closing line may still become ```lua
    ("```lua\nlocal x = 1\n", "lua", False),             # open block
    ("```lua\nlocal x = 1\n``", "lua", False),
    ("```diff\n--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n```\n```lua\nx()\n```\n", "lua", True),  # diff skipped
    ("```diff\n--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n```\nmore", "lua", False),  # only a diff so far
    ("```diff\n--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n```\n", "diff", True),
    ("```\n--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n```\n", "diff", False),  # untagged: a tagged one may follow
    ("local x = 1\nprint(x)\n```\n", "lua", True),      # unfenced code ended by a stray fence
    ("local x = 1\nprint(x)\n", "lua", False),
    ("--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n```\n", "diff", True),
    ("text\n```\nlocal y = 2\n```\n", "lua", True),     # bare opening fence after prose
    ("", "lua", False),
]
CONTINUATIONS = ["", "x", "lua\n", "\n```lua\nlocal z = 3\n```\n", "```diff\n--- a\n+++ b\n@@ -1 +1 @@\n-q\n+r\n```\n",
                 "\nmore prose\n", "`\n", "\n```\n", "```\nlocal w = 4\n", "\n--- a\n+++ b\n@@ -1 +1 @@\n-c\n+d\n"]


@pytest.mark.parametrize("text,kind,expected", ANSWERED)
def test_answered_only_when_no_continuation_changes_the_extracted_answer(text, kind, expected):
    from domains.luanti.extract import answered

    assert answered(text, kind) is expected
    if expected:
        for more in CONTINUATIONS:
            assert extract(text + more, kind) == extract(text, kind), (text, more)
    else:
        assert any(extract(text + more, kind) != extract(text, kind) for more in CONTINUATIONS) or not text, text


def test_answered_never_early_on_real_completions():
    """Every prefix of the shipped references' fenced answers where answered() is True extracts what the
    whole text extracts."""
    from domains.luanti.extract import answered

    texts = ["Sure.\n```lua\nminetest.register_node('m:a', {\n  description = 'A',\n})\n```\nThat registers it.\n",
             "```diff\n--- init.lua\n+++ init.lua\n@@ -1,2 +1,2 @@\n-local a = 1\n+local a = 2\n print(a)\n```\nDone.",
             "local t = {}\n```\n```lua\nprint(1)\n```\n"]
    for text in texts:
        for kind in ("lua", "diff"):
            for cut in range(len(text) + 1):
                if answered(text[:cut], kind):
                    assert extract(text[:cut], kind) == extract(text, kind), (text[:cut], kind)


def test_answered_edit_never_early():
    """Every prefix of a repair answer where answered_edit() is True extracts what the whole text does,
    whatever follows (SEARCH/REPLACE blocks, a diff, the whole file, fenced or not)."""
    from domains.luanti.extract import answered_edit, extract_edit

    block = "<<<<<<< SEARCH\n\tdescripton = 'A',\n=======\n\tdescription = 'A',\n>>>>>>> REPLACE\n"
    texts = [f"```\n{block}```\nThat fixes the field name.\n", f"Here:\n```text\n{block}```\n```lua\nx = 1\n```\n",
             block + "```\nmore\n", "```diff\n--- a/init.lua\n+++ b/init.lua\n@@ -1 +1 @@\n-a\n+b\n```\n",
             "```lua\nminetest.register_node('m:a', {})\n```\n" + block]
    for text in texts:
        assert extract_edit(text) is not None, text
        for cut in range(len(text) + 1):
            if answered_edit(text[:cut]):
                for more in CONTINUATIONS + ["\n" + block, "```\n" + block + "```\n"]:
                    assert extract_edit(text[:cut] + more) == extract_edit(text[:cut]), (text[:cut], more)
    assert answered_edit(texts[0]) and not answered_edit(block)
