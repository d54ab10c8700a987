"""What the evaluating gates do with items whose gold answer fails its own validator (the audit's gold
ceiling failures): say so before any generation, then leave them out (the default: a model cannot be
scored against a broken reference) or, with --keep-broken-gold, score them. Either way the results
record how many items were read, which were left out and why.
"""
from __future__ import annotations

import sys

from core.errors import UserError

def apply_gold_ceiling(report: dict, items: list[dict], read: int, keep: bool, domain=None,
                       out=None) -> tuple[list[dict], dict]:
    """(items to score, the `data` record results carry). Prints the gold ceiling to `out` (default: the
    current stderr) when it is under 100%."""
    out = out or sys.stderr
    gold = report["gold_ceiling"]
    fails = gold["failures"]
    record = {"items_read": read, "items_selected": len(items), "keep_broken_gold": bool(keep), "left_out": []}
    notes = domain.data_notes if domain is not None else (lambda _: {})
    if not fails:
        return items, {**record, **notes(items)}
    print(f"gold ceiling {gold['passed']}/{gold['total']}: {len(fails)} item(s) whose reference fails its own "
          "validator " + ("are scored (--keep-broken-gold):" if keep else
                          "are left out (--keep-broken-gold scores them):"), file=out)
    for f in fails:
        print(f"  line {f.get('line') or '-'} {f['id']}: {f['status']} at level {f.get('level') or '-'}: "
              f"{f['detail'][:160]}", file=out)
    if keep:
        return items, {**record, **notes(items)}
    record["left_out"] = [{"id": f["id"], "line": f.get("line"),
                           "why": f"gold answer fails its validator ({f['status']}: {f['detail'][:200]})"}
                          for f in fails]
    ids = {f["id"] for f in fails}
    kept = [it for it in items if it["id"] not in ids]
    if not kept:
        raise UserError(f"every one of the {len(items)} selected items has a reference that fails its own "
                        "validator; nothing left to score. Fix the data (make check-refs lists why) or pass "
                        "--keep-broken-gold")
    return kept, {**record, **notes(kept)}
