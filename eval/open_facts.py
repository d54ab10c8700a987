"""How well a domain's request parser reads the facts a request states: recall and precision of
`domain.request_facts` against each eval item's own expectation facts that its request states
(`domain.item_request`), overall, per register (the item's `style`, else its `family`) and per fact kind.

recall = facts both read and expected / facts expected; precision = facts both read and expected /
facts read (distinct facts per item, summed over items). Deterministic: no model, no validator run.
"""
from __future__ import annotations

from collections import defaultdict

from domains.verdict import score_facts


def register_of(item: dict) -> str:
    meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
    return str(item.get("style") or meta.get("style") or item.get("family") or "")


def _rates(tp: int, n_read: int, n_gold: int) -> dict:
    return {"recall": round(tp / n_gold, 4) if n_gold else None,
            "precision": round(tp / n_read, 4) if n_read else None,
            "read": n_read, "expected": n_gold, "both": tp}


def measure(domain, items: list[dict]) -> dict:
    """{"overall", "by_register", "by_kind": {kind: rates}, "items", "no_fact_read", "worst": [...]}."""
    sums = defaultdict(lambda: [0, 0, 0])
    worst, empty = [], 0
    for item in items:
        messages, tools, gold = domain.item_request(item)
        read = domain.request_facts(messages, tools)
        tp, n_read, n_gold = score_facts(read, gold)
        empty += not read
        for key in ("overall", f"register:{register_of(item)}"):
            sums[key] = [a + b for a, b in zip(sums[key], (tp, n_read, n_gold))]
        for kind in {f.key[0] for f in list(read) + list(gold)}:
            k = score_facts([f for f in read if f.key[0] == kind], [f for f in gold if f.key[0] == kind])
            sums[f"kind:{kind}"] = [a + b for a, b in zip(sums[f"kind:{kind}"], k)]
        if tp < max(n_read, n_gold):
            worst.append({"id": item.get("id"), "missed": sorted(str(f.key) for f in set(gold) - set(read))[:4],
                          "extra": sorted(str(f.key) for f in set(read) - set(gold))[:4]})
    def pick(prefix):
        return {k.split(":", 1)[1]: _rates(*v) for k, v in sorted(sums.items()) if k.startswith(prefix)}
    return {"domain": domain.name, "version": domain.version, "items": len(items), "no_fact_read": empty,
            "overall": _rates(*sums["overall"]), "by_register": pick("register:"), "by_kind": pick("kind:"),
            "worst": worst[:10]}
