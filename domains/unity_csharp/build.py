"""Build the shipped Unity data set offline from the project's own catalogue (catalogue.py).

    .venv/bin/python scripts/build_data.py --domain unity_csharp     (make data DOMAIN=unity_csharp)

Deterministic (seeded per archetype and draw; same code, same bytes). The split is by archetype: the
eval archetypes (catalogue.EVAL) and their class-name stems never appear in train, and no IR or class
name is on both sides (asserted). Every reference is checked by the domain's own validator before it
is written; a failing one stops the build (it would be a bug in the catalogue, stubs or validator).
Needs Mono's mcs (cs_repair errors are the compiler's own) and the tree-sitter C# grammar.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from core.errors import UserError
from domains import registers
from domains.building import per_side, write_split
from domains.unity_csharp import catalogue, phrasing, render
from domains.unity_csharp.build_repair import repair_items

SEED = 12
LICENSE = "MIT (written for this project; no third-party code)"
IR_INSTRUCTION = "Generate the complete Unity C# MonoBehaviour script for this behaviour specification."
# per archetype: ir_to_cs draws, nl_to_ir and cs_repair items (train sizes; eval below)
TRAIN_PER = {"ir_to_cs": 26, "nl_to_ir": 6, "cs_repair": 6}
EVAL_PER = {"ir_to_cs": 8, "nl_to_ir": 3, "cs_repair": 3}


def _draws(arch, side: str, index: int, n: int) -> list[tuple[dict, str, str]]:
    """n distinct (ir, code, description) draws of one archetype, seeded by side and index."""
    out, seen = [], set()
    rng = random.Random(f"{SEED}-{side}-{index}")
    for _ in range(n * 40):
        ir, code, desc = render.sample(arch, rng)
        key = json.dumps(ir, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append((ir, code, desc))
        if len(out) == n:
            break
    return out


def side_items(archs, side: str, per: dict) -> list[dict]:
    """ir_to_cs, nl_to_ir and cs_repair items of one side, each in a register (phrasing.py); eval adds the
    forum slice (FORUM_PER archetype: one request, and a repair on every other one)."""
    items, ir_items, descs, forum_src = [], [], {}, []
    extra = 2 if side == "eval" else 0       # draws after the others: the forum request's and its repair's
    for i, arch in enumerate(archs):
        source = f"catalogue:{side}:{arch.kind}:{arch.stems[0]}"
        draws = _draws(arch, side, i, per["ir_to_cs"] + extra)
        for d, (ir, code, desc) in enumerate(draws):
            descs[_key(ir)] = desc
            it = {"family": "ir_to_cs", "instruction": IR_INSTRUCTION, "input": json.dumps(ir, indent=2),
                  "output": code, "ir": ir, "kind": arch.kind, "source": source, "license": LICENSE}
            (ir_items if d < per["ir_to_cs"] else forum_src).append(it)
        for ir, code, desc in draws[:per["nl_to_ir"]]:
            items.append({"family": "nl_to_ir", "instruction": "", "input": "", "output": json.dumps(ir, indent=2),
                          "ir": ir, "kind": arch.kind, "source": source, "license": LICENSE})
    rng = random.Random(f"{SEED}-{side}-repair")
    repairs = repair_items(ir_items[::max(1, per["ir_to_cs"] // per["cs_repair"])], per["cs_repair"] * len(archs), rng)
    out = [_styled(it, descs, side, n) for n, it in enumerate(ir_items + items + repairs)]
    return out + (forum_items(forum_src, descs) if extra else [])


def _key(ir: dict) -> str:
    return json.dumps(ir, sort_keys=True)


def _styled(item: dict, descs: dict, side: str, n: int) -> dict:
    rng = random.Random(f"{SEED}-{side}-style-{n}-{item['family']}-{item['ir']['class_name']}")
    style = registers.pick(side, rng, phrasing.TRAINED[item["family"]])
    errors = item.pop("_errors", "")
    return phrasing.phrase(item, descs[_key(item["ir"])], errors, style, rng)


def forum_items(sources: list[dict], descs: dict) -> list[dict]:
    """The eval-only forum slice: per archetype, a plain request for its first extra draw and, for every
    other archetype, a plain question about its second extra draw broken by one mistake."""
    rng = random.Random(f"{SEED}-forum")
    out = []
    for src in sources[0::2]:
        text, expect = phrasing.forum_request(src["ir"], descs[_key(src["ir"])], rng)
        out.append(dict(src, instruction=text, input="", style=registers.FORUM, expect=expect))
    for rp in repair_items(sources[1::4], len(sources[1::4]), rng):
        errors = rp.pop("_errors")
        own = random.Random(f"{SEED}-forum-{rp['ir']['class_name']}")
        out.append(dict(rp, instruction=phrasing.forum_repair(rp["ir"]["class_name"], errors, own),
                        style=registers.FORUM))
    return out


def check_split(train: list[dict], eval_: list[dict]) -> dict:
    """No class name and no IR on both sides; raises if there is (a bug in the catalogue)."""
    names = [{it["ir"]["class_name"] for it in side} for side in (train, eval_)]
    irs = [{json.dumps(it["ir"], sort_keys=True) for it in side} for side in (train, eval_)]
    if names[0] & names[1] or irs[0] & irs[1]:
        raise UserError(f"split leaks: classes {sorted(names[0] & names[1])[:5]}, {len(irs[0] & irs[1])} IRs")
    return {"train_classes": len(names[0]), "eval_classes": len(names[1])}


def build(out_dir: Path) -> dict:
    train = side_items(catalogue.TRAIN, "train", TRAIN_PER)
    eval_ = side_items(catalogue.EVAL, "eval", EVAL_PER)
    split = check_split(train, eval_)
    stats = {"splits": per_side(train, eval_, "family"), "styles": per_side(train, eval_, "style"),
             "kinds": per_side(train, eval_, "kind"),
             "archetypes": {"train": len(catalogue.TRAIN), "eval": len(catalogue.EVAL)}, **split,
             "rejected_by_self_check": 0, "seed": SEED, "license": LICENSE}
    return write_split("unity_csharp", out_dir, train, eval_, stats)
