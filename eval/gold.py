"""What the evaluating gates do with items whose gold answer fails its own validator (the audit's gold
ceiling failures) and with edit items whose unchanged input passes its own check (the audit's input
passes): say so before any generation, then leave them out (the default: a model cannot be scored
against a broken reference, nor on an item where doing nothing passes) or, with --keep-broken-gold /
--keep-input-passes, score them. Either way the results record how many items were read, which were
left out and why.
"""
from __future__ import annotations

import sys

from core.errors import UserError

def apply_gold_ceiling(report: dict, items: list[dict], read: int, keep: bool, domain=None,
                       out=None, keep_input_passes: bool = False) -> tuple[list[dict], dict]:
    """(items to score, the `data` record results carry). Prints the gold ceiling to `out` (default: the
    current stderr) when it is under 100%, and the items whose unchanged input passes (the audit's
    `input_passes`), left out the same way unless `keep_input_passes`."""
    out = out or sys.stderr
    gold = report["gold_ceiling"]
    fails = gold["failures"]
    record = {"items_read": read, "items_selected": len(items), "keep_broken_gold": bool(keep),
              "keep_input_passes": bool(keep_input_passes), "left_out": []}
    notes = domain.data_notes if domain is not None else (lambda _: {})
    left = []
    if fails:
        print(f"gold ceiling {gold['passed']}/{gold['total']}: {len(fails)} item(s) whose reference fails its own "
              "validator " + ("are scored (--keep-broken-gold):" if keep else
                              "are left out (--keep-broken-gold scores them):"), file=out)
        for f in fails:
            print(f"  line {f.get('line') or '-'} {f['id']}: {f['status']} at level {f.get('level') or '-'}: "
                  f"{f['detail'][:160]}", file=out)
        left += [] if keep else [{"id": f["id"], "line": f.get("line"),
                                  "why": f"gold answer fails its validator ({f['status']}: {f['detail'][:200]})"}
                                 for f in fails]
    passes = (report.get("input_passes") or {}).get("items", [])
    if passes:
        print(f"{len(passes)} item(s) pass their own check with the input unchanged (they cannot tell a fix from "
              "no fix) and " + ("are scored (--keep-input-passes):" if keep_input_passes else
                                "are left out (--keep-input-passes scores them):"), file=out)
        for f in passes:
            print(f"  line {f.get('line') or '-'} {f['id']} [{f.get('family', '')}]", file=out)
        left += [] if keep_input_passes else [{"id": f["id"], "line": f.get("line"), "why": f["detail"]}
                                              for f in passes]
    if not left:
        return items, {**record, **notes(items)}
    ids = {f["id"] for f in left}
    record["left_out"] = left
    kept = [it for it in items if it["id"] not in ids]
    if not kept:
        raise UserError(f"every one of the {len(items)} selected items has a reference that fails its own "
                        "validator or an input that passes it unchanged; nothing left to score. Fix the data "
                        "(make check-refs lists why) or pass --keep-broken-gold / --keep-input-passes")
    return kept, {**record, **notes(kept)}
