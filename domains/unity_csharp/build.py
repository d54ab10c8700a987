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
from domains.building import per_side, write_split
from domains.unity_csharp import catalogue, render
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


def describe(ir: dict, desc: str) -> str:
    """The one-line description of an nl_to_ir item: the archetype's sentence plus the facts it states."""
    fields = ", ".join(f"{f['name']} ({f['type']}{'' if f.get('default') is None else ', ' + json.dumps(f['default'])})"
                       for f in ir["fields"])
    whens = "; ".join(f"{b['trigger']}: {', '.join(b['actions'])}" for b in ir["behaviors"])
    comps = f" It uses {', '.join(ir['components'])}." if ir["components"] else ""
    return f"{desc} Class {ir['class_name']}.{comps} Fields: {fields or 'none'}. Behaviour: {whens}."


def side_items(archs, side: str, per: dict) -> list[dict]:
    items, ir_items = [], []
    for i, arch in enumerate(archs):
        source = f"catalogue:{side}:{arch.kind}:{arch.stems[0]}"
        draws = _draws(arch, side, i, per["ir_to_cs"])
        for ir, code, desc in draws:
            ir_items.append({"family": "ir_to_cs", "instruction": IR_INSTRUCTION, "input": json.dumps(ir, indent=2),
                             "output": code, "ir": ir, "kind": arch.kind, "source": source, "license": LICENSE})
        for ir, code, desc in draws[:per["nl_to_ir"]]:
            items.append({"family": "nl_to_ir", "instruction": describe(ir, desc), "input": "",
                          "output": json.dumps(ir, indent=2), "ir": ir, "kind": arch.kind, "source": source,
                          "license": LICENSE})
    rng = random.Random(f"{SEED}-{side}-repair")
    repairs = repair_items(ir_items[::max(1, per["ir_to_cs"] // per["cs_repair"])], per["cs_repair"] * len(archs), rng)
    return ir_items + items + repairs


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
    stats = {"splits": per_side(train, eval_, "family"), "kinds": per_side(train, eval_, "kind"),
             "archetypes": {"train": len(catalogue.TRAIN), "eval": len(catalogue.EVAL)}, **split,
             "rejected_by_self_check": 0, "seed": SEED, "license": LICENSE}
    return write_split("unity_csharp", out_dir, train, eval_, stats)
