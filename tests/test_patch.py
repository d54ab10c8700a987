"""Unified-diff parsing/applying with patch-like tolerance: one relative file as `patch -p1` names it;
absolute paths, `..` and several files are refused."""
from __future__ import annotations

import difflib

import pytest

from domains.patch import HunkFailed, PatchError, parse_diff, patch_text

ORIG = "".join(f"line {i}\n" for i in range(1, 21)).replace("line 10\n", "-- a comment\nlocal x = (1\n")
FIXED = ORIG.replace("local x = (1\n", "local x = (1)\n").replace("-- a comment\n", "")


def udiff(a, b, fa="a/init.lua", fb="b/init.lua", n=3):
    return "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), fa, fb, n=n))


def test_exact_apply_including_removed_comment_line():
    d = udiff(ORIG, FIXED)
    assert "\n--- a comment\n" in d          # a removed '-- ' line looks like a header; must not be one
    assert patch_text(ORIG, d) == FIXED


def test_offset_wrong_counts_and_missing_line_numbers():
    d = udiff(ORIG, FIXED)
    shifted = "extra 1\nextra 2\nextra 3\n" + ORIG
    assert patch_text(shifted, d) == "extra 1\nextra 2\nextra 3\n" + FIXED
    assert patch_text(ORIG, d.replace("@@ -7,8 +7,7 @@", "@@ -90,3 +90,99 @@")) == FIXED
    assert patch_text(ORIG, d.replace("@@ -7,8 +7,7 @@", "@@")) == FIXED


def test_fuzz_and_trailing_whitespace():
    d = udiff(ORIG, FIXED)
    fuzzy = d.replace(" line 7\n", " line seven\n", 1)          # one wrong context line at the edge
    assert patch_text(ORIG, fuzzy) == FIXED
    assert patch_text(ORIG, d.replace("-local x = (1\n", "-local x = (1   \n")) == FIXED
    assert patch_text(ORIG, "Here:\n" + d.replace("--- a/init.lua", "--- init.lua")) == FIXED


def test_two_hunks_applied_in_order():
    b = ORIG.replace("line 2\n", "line two\n").replace("line 19\n", "line nineteen\n")
    d = udiff(ORIG, b, n=1)
    assert len(parse_diff(d)) == 2 and patch_text(ORIG, d) == b


@pytest.mark.parametrize("old, new, needle", [
    ("a/../init.lua", "b/init.lua", "contains '..'"),
    ("a/init.lua", "b/../../etc/passwd", "contains '..'"),
    ("/etc/passwd", "/etc/passwd", "absolute path"),
    ("a/init.lua", "b/other.lua", r"several files \(init.lua, other.lua\)"),
    ("a/x/file.lua", "b/y/file.lua", r"several files \(x/file.lua, y/file.lua\)"),
    ("/dev/null", "b/init.lua", "creating or deleting"),
])
def test_refused_paths(old, new, needle):
    with pytest.raises(PatchError, match=needle):
        parse_diff(udiff(ORIG, FIXED, old, new))


@pytest.mark.parametrize("old, new", [
    ("a/file.lua", "b/file.lua"), ("file.lua", "file.lua"), ("a/mymod/init.lua", "b/mymod/init.lua"),
    ("init.lua", "b/init.lua"), ("mymod/file.lua", "mymod/file.lua"),
])
def test_one_relative_file_applies_as_patch_p1_would(old, new):
    assert patch_text(ORIG, udiff(ORIG, FIXED, old, new)) == FIXED


def test_second_file_refused_and_non_diffs():
    d = udiff(ORIG, FIXED)
    with pytest.raises(PatchError, match="second header for init.lua"):
        parse_diff(d + d)
    with pytest.raises(PatchError, match=r"several files \(init.lua, other.lua\)"):
        parse_diff(d + d.replace("init.lua", "other.lua"))
    for text in ("", "local x = 1\n", "--- a/init.lua\n+++ b/init.lua\n"):
        with pytest.raises(PatchError, match="not a unified diff"):
            parse_diff(text)


def test_hunk_that_does_not_apply():
    d = udiff("foo\nbar\nbaz\n", "foo\nBAR\nbaz\n")
    with pytest.raises(HunkFailed, match="hunk 1 does not apply"):
        patch_text(ORIG, d)
