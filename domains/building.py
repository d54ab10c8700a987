"""The tail every catalogue-built domain shares (flutter, unity_csharp, threejs build.py): every reference
through the domain's own validator (check-refs' path: one warm, then validate each), and every edit
item's input (which must fail it), then train.jsonl, eval.jsonl and stats.json written atomically. A
failing reference, or an input that passes, stops the build before anything is written (a bug in the
catalogue or the validator)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from core.errors import UserError
from core.files import atomic_write_json, atomic_write_jsonl


def self_check(domain_name: str, items: list[dict]) -> list[str]:
    """'family id-or-index: status at level: detail' for every reference its validator fails, and for
    every edit item whose input, left unchanged, passes its own check (domains.check.input_passes: such
    an item could not tell a fix from no fix)."""
    import domains
    from domains.check import check_references, input_passes

    by_id = {f"build-{i}": dict(it, id=f"build-{i}") for i, it in enumerate(items)}
    results = check_references(domains.get(domain_name), list(by_id.values()))
    bad = [f"{by_id[i]['family']} {items[int(i[6:])].get('id', i)}: {r.status} at {r.level}: {r.detail[:300]}"
           for i, r in results if not r.passed]
    return bad + [f"{f['family']} {items[int(f['id'][6:])].get('id', f['id'])}: {f['detail']}"
                  for f in input_passes(domains.get(domain_name), list(by_id.values()))]


def per_side(train: list[dict], eval_: list[dict], key: str) -> dict:
    """{"train": {value: count}, "eval": {...}} of an item field, sorted."""
    return {name: dict(sorted(Counter(it[key] for it in side).items())) for name, side in (("train", train), ("eval", eval_))}


def write_split(domain_name: str, out_dir: Path, train: list[dict], eval_: list[dict], stats: dict) -> dict:
    """Self-check every reference, then write the three files; returns `stats` as written."""
    bad = self_check(domain_name, train + eval_)
    if bad:
        raise UserError(f"{len(bad)} reference(s) fail their own validator or edit input(s) pass it:\n"
                        + "\n".join(bad[:20]))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_jsonl(out_dir / "train.jsonl", train)
    atomic_write_jsonl(out_dir / "eval.jsonl", eval_)
    atomic_write_json(out_dir / "stats.json", stats)
    return stats
