"""What several Luanti tests share: the mark for tests that need Debian's Luanti packages.

They skip with the reason when the files are absent, unless WB_REQUIRE_SERVER=1 (CI, set by .ci/run),
where they run and fail loudly.
"""
from __future__ import annotations

import os

import pytest

from domains.luanti import build_source

HAVE_SOURCES = build_source.LUA_API.exists() and build_source.COPYRIGHT.exists()
needs_debian = pytest.mark.skipif(
    not HAVE_SOURCES and os.environ.get("WB_REQUIRE_SERVER") != "1",
    reason="Debian minetest-data/minetest-server not installed (apt-get install -y minetest-server minetest-data)")
