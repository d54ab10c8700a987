"""The shared results file carries the MCP domain's per-tool breakdown (via the domain's hook)."""
from __future__ import annotations

import domains
from eval.pipeline import _domain_breakdown


def test_results_breakdown_per_tool_from_score_records():
    d = domains.get("mcp_tools")
    items = d.load(d.default_eval)[:3]
    scores = []
    for it in items:
        gold = d.validate(it, d.reference(it)).to_dict()
        bad = d.validate(it, "I cannot help with that.").to_dict()
        scores += [{"id": it["id"], "sample": 0, **gold}, {"id": it["id"], "sample": 1, **bad}]
    out = _domain_breakdown(d, items, scores)
    assert out["overall"]["n"] == 6
    assert out["overall"]["exact_match"] == 0.5
    tools = {c["name"] for it in items for c in it["calls"]}
    assert set(out["by_tool"]) == tools
