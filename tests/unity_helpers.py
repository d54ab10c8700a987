"""Shared bits of the Unity domain tests: the fixtures folder, the gold IR and a skip marker for a
machine without Mono's mcs (never in CI: .ci/run sets WB_REQUIRE_SERVER=1, and then a missing
compiler fails loudly)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from domains.unity_csharp import compiler

FIX = Path(__file__).parent / "fixtures" / "unity_csharp"
HAVE_MCS, WHY = compiler.available()
needs_mcs = pytest.mark.skipif(not HAVE_MCS and os.environ.get("WB_REQUIRE_SERVER") != "1",
                               reason=f"Mono mcs absent ({WHY}); bash scripts/sysdeps.sh ensure")


def gold_ir() -> dict:
    return json.loads((FIX / "ir.json").read_text())


def cs_item(family: str = "ir_to_cs") -> dict:
    return {"id": "t", "family": family, "ir": gold_ir(), "instruction": "", "input": "", "output": ""}


def fixture_code(name: str) -> str:
    """gold.cs itself, or an anti-gold fixture: gold.cs with the [old, new] replacements of
    mutations.json applied (each old text must be there, so a drifting gold fails loudly)."""
    code = (FIX / "gold.cs").read_text()
    if name == "gold.cs":
        return code
    for old, new in json.loads((FIX / "mutations.json").read_text())[name]:
        assert old in code, f"{name}: {old!r} not in gold.cs"
        code = code.replace(old, new)
    return code


def fenced(code: str) -> str:
    return f"Here it is:\n```csharp\n{code}\n```\n"
