"""Validator-made preference pairs for any domain: sample from the SFT model, score, pair.

    generate (n samples per training prompt, the SFT adapter)  -> generations.jsonl   (resumable)
    score (the domain's validator on every sample)             -> scores.jsonl        (resumable)
    pair                                                       -> pairs.jsonl + prefs.json (atomic)

Pairing, per item: the rejected answers are the distinct failing samples, those that got furthest first
(more validator levels reached; at equal depth a wrong answer before a runtime error before a compile
error before a syntax error before a format error), at most `per_item` of them; each is paired with a
passing sample (in turn) or, when no sample passed, with the reference answer (only if the reference
passes its own validator; otherwise the item is skipped and counted). Items whose samples all pass give
no pair (counted). Each pair records both validator results and where the chosen answer came from.

Before sampling, the audit's overlap check (exact, near, template-near) runs on the items against the
eval set: exact or near overlap stops unless `allow_contaminated`, and is recorded either way.
What it does not check: that a passing answer is a good one beyond what the validator checks.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import UserError
from core.files import atomic_write_json, atomic_write_jsonl
from core.meta import run_info
from eval.generate import run_generation
from eval.score import run_scoring

# At equal depth, the failure that got further in spirit ranks first.
FAILURE_RANK = {"wrong_answer": 0, "timeout": 1, "resource_limit": 1, "runtime_error": 2, "unsupported_syntax": 3,
                "compile_error": 3, "syntax_error": 4, "format_error": 5}


def depth(score: dict) -> int:
    """How many validator levels a sample reached."""
    return sum(bool(v) for v in (score.get("levels") or {}).values())


def failure_order(score: dict) -> tuple:
    return (-depth(score), FAILURE_RANK.get(score["status"], 9), score["sample"])


def _result(score: dict) -> dict:
    return {k: score.get(k) for k in ("status", "level", "levels", "detail")}


def pair_item(domain, item: dict, samples: list[tuple[dict, dict]], per_item: int) -> tuple:
    """(pairs, reason) for one item; `samples` are its (generation, score) records."""
    passing, failing, seen = [], [], set()
    for gen, score in sorted(samples, key=lambda gs: gs[1]["sample"]):
        text = gen["completion"].strip()
        if not text or text in seen:
            continue
        seen.add(text)
        (passing if score["status"] == "ok" else failing).append((gen, score))
    if not failing:
        return [], "every sample passed" if passing else "no usable sample"
    failing.sort(key=lambda gs: failure_order(gs[1]))
    if not passing:
        gold = domain.validate(item, domain.reference(item)).to_dict()
        if gold["status"] != "ok":
            return [], "reference fails its own validator"
        chosen = [({"completion": domain.reference(item), "sample": None}, {**gold, "sample": None})]
        source = "reference"
    else:
        chosen, source = passing, "sample"
    pairs = []
    for j, (gen, score) in enumerate(failing[:per_item]):
        good, good_score = chosen[j % len(chosen)]
        pairs.append({"id": f"{item['id']}#{j}", "item_id": item["id"], "family": item.get("family", ""),
                      "prompt": domain.messages(item), "chosen": good["completion"], "rejected": gen["completion"],
                      "chosen_source": source, "chosen_sample": good["sample"], "rejected_sample": score["sample"],
                      "chosen_result": _result(good_score), "rejected_result": _result(score),
                      "rejected_depth": depth(score)})
    return pairs, "paired"


def check_overlap(domain, items, eval_items, allow_contaminated: bool) -> dict:
    from eval.audit import NEAR_THRESHOLD, ContaminatedError, overlap

    ov = overlap(items, eval_items, domain, NEAR_THRESHOLD)
    counts = {k: len(v) for k, v in ov.items()}
    found = counts["train_eval_exact"] + counts["train_eval_near"]
    if found and not allow_contaminated:
        first = (ov["train_eval_exact"] or ov["train_eval_near"])[0]
        raise ContaminatedError(f"{found} eval items overlap the items the pairs would be made from (first: eval "
                                f"{first['eval_id']}); pairs from them would leak the eval set into DPO. Drop "
                                "those items or pass --allow-contaminated (recorded)")
    return {"counts": counts, "allow_contaminated": bool(allow_contaminated),
            "examples": {k: v[:5] for k, v in ov.items()}}


def build_prefs(domain, items, settings, identity: dict, out_dir, backend_factory, *, per_item: int = 2,
                eval_items=None, allow_contaminated: bool = False, workers: int = 1, progress: bool = True) -> dict:
    """Generate, score and pair into `out_dir`; return the prefs.json record."""
    out = Path(out_dir)
    if not items:
        raise UserError("no items to make preference pairs from")
    audit = check_overlap(domain, items, eval_items or [], allow_contaminated) if eval_items else None
    gen = run_generation(domain, items, settings, identity, out / "generations.jsonl", backend_factory, progress)
    by_id = {it["id"]: it for it in items}
    scores = run_scoring(domain, by_id, out / "generations.jsonl", out / "scores.jsonl", settings.n, workers,
                         progress)
    from core.files import read_jsonl

    gens = {(g["id"], g["sample"]): g for g in read_jsonl(out / "generations.jsonl")}
    per: dict = {}
    for s in scores:
        per.setdefault(s["id"], []).append((gens[(s["id"], s["sample"])], s))
    pairs, reasons = [], {}
    for it in items:
        got, why = pair_item(domain, it, per.get(it["id"], []), per_item)
        pairs += got
        reasons[why] = reasons.get(why, 0) + 1
    atomic_write_jsonl(out / "pairs.jsonl", pairs)
    record = {"format": "workbench.prefs/1", "pairs_file": str(out / "pairs.jsonl"), "pairs": len(pairs),
              "items": len(items), "samples": len(scores), "passing_samples": sum(s["status"] == "ok" for s in scores),
              "items_by_outcome": dict(sorted(reasons.items())),
              "chosen_from": {src: sum(p["chosen_source"] == src for p in pairs) for src in ("sample", "reference")},
              "rejected_status": _count(p["rejected_result"]["status"] for p in pairs),
              "rejected_depth": _count(p["rejected_depth"] for p in pairs), "per_item": per_item,
              "identity": identity, "sampling": settings.sampling(), "throughput": gen, "overlap": audit,
              "domain": domain.describe(), "run": run_info()}
    atomic_write_json(out / "prefs.json", record)
    return record


def _count(values) -> dict:
    out: dict = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return dict(sorted(out.items()))
