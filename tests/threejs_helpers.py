"""Shared bits of the Three.js domain tests: the fixtures folder, the gold spec, the anti-gold fixtures
(gold.js with the [old, new] replacements of mutations.json) and a skip marker for a machine without the
browser toolchain (never in CI: .ci/run sets WB_REQUIRE_SERVER=1, and then a missing tool fails loudly)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from domains.threejs import toolchain

FIX = Path(__file__).parent / "fixtures" / "threejs"
_MISSING = [why for _, check, _ in toolchain.all_checks() for ok, why in [check()] if not ok]
needs_browser = pytest.mark.skipif(bool(_MISSING) and os.environ.get("WB_REQUIRE_SERVER") != "1",
                                   reason=f"Three.js toolchain absent ({'; '.join(_MISSING)}); "
                                          "bash scripts/sysdeps.sh ensure")


def gold_spec() -> dict:
    return json.loads((FIX / "spec.json").read_text())


def item(family: str = "scene", spec: dict | None = None) -> dict:
    return {"id": "t", "family": family, "spec": gold_spec() if spec is None else spec, "instruction": "x",
            "input": "", "output": ""}


def fixture_code(name: str) -> str:
    code = (FIX / "gold.js").read_text()
    if name == "gold.js":
        return code
    for old, new in json.loads((FIX / "mutations.json").read_text())[name]:
        assert old in code, f"{name}: {old!r} not in gold.js"
        code = code.replace(old, new)
    return code


def fenced(code: str) -> str:
    return f"Here is the scene:\n```js\n{code}\n```\n"
