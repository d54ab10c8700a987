"""Build the shipped Flutter data set offline from the project's own catalogue (catalogue.py, render.py).

    .venv/bin/python scripts/build_data.py --domain flutter     (make data DOMAIN=flutter)

Deterministic (subjects, kinds and variants in a fixed rotation; each item's register from its own seeded
RNG, phrasing.py; same code, same bytes).
Split by widget kind: every kind has its own held-out subjects (EVAL_PER_KIND of them, rotating with the
kind), so the eval set has the same kind mix as train and no (kind, subject) pair is on both sides
(asserted). Train takes every variant of the other subjects, eval one variant of each held-out subject.
Every reference passes the domain's own validator before anything is written, or the build stops (a bug
in the catalogue or the validator). Needs the tree-sitter Dart grammar.
"""
from __future__ import annotations

import random
from pathlib import Path

from core.errors import UserError
from domains import registers
from domains.building import per_side, write_split
from domains.flutter import phrasing
from domains.flutter.catalogue import KINDS, SUBJECTS
from domains.flutter.render import RENDERERS

LICENSE = "MIT (written for this project; no third-party code)"
EVAL_PER_KIND = 10
VARIANTS = 3
FORUM_PER_KIND = 2    # eval-only forum questions per kind (phrasing.py)
SEED = 14             # the registers' RNG (the catalogue rotation itself has no randomness)


def eval_subjects(kind_index: int) -> set[str]:
    n = len(SUBJECTS)
    start = (kind_index * 7) % n
    return {SUBJECTS[(start + j) % n].name for j in range(EVAL_PER_KIND)}


def make_item(kind: str, subject, variant: int, side: str) -> dict:
    instruction, code, spec = RENDERERS[kind](subject, variant)
    return {"id": f"{kind}-{subject.name.lower()}-v{variant}", "family": kind, "instruction": instruction,
            "input": "", "output": code, "spec": spec, "kind": kind, "subject": subject.name,
            "source": f"catalogue:{side}:{kind}:{subject.name}:v{variant}", "license": LICENSE}


def styled(kind: str, subject, variant: int, side: str) -> dict:
    """The item in a register picked by its own seeded RNG (phrasing.py; eval may get the held-out one)."""
    rng = random.Random(f"{SEED}-{side}-{kind}-{subject.name}-{variant}")
    item = make_item(kind, subject, variant, side)
    others = [RENDERERS[kind](subject, v)[0] for v in range(VARIANTS) if v != variant]
    return phrasing.phrase(item, subject, registers.pick(side, rng, phrasing.TRAINED), rng, others)


def forum_items(kind: str, held: list) -> list[dict]:
    """The eval-only forum slice of one kind: FORUM_PER_KIND of its held-out subjects, each in the variant
    after the one the eval item has, asked as a plain question."""
    out = []
    for i, s in held[:FORUM_PER_KIND]:
        item = make_item(kind, s, (i + 1) % VARIANTS, "eval")
        item["id"] += "-forum"
        out.append(phrasing.forum(item, s, random.Random(f"{SEED}-forum-{item['id']}")))
    return out


def split() -> tuple[list[dict], list[dict]]:
    train, eval_ = [], []
    for k, kind in enumerate(KINDS):
        held = eval_subjects(k)
        for i, s in enumerate(SUBJECTS):
            if s.name in held:
                eval_.append(styled(kind, s, i % VARIANTS, "eval"))
            else:
                train += [styled(kind, s, v, "train") for v in range(VARIANTS)]
        eval_ += forum_items(kind, [(i, s) for i, s in enumerate(SUBJECTS) if s.name in held])
    leak = {(it["kind"], it["subject"]) for it in train} & {(it["kind"], it["subject"]) for it in eval_}
    if leak:
        raise UserError(f"split leaks (kind, subject) pairs: {sorted(leak)[:5]}")
    return train, eval_


def build(out_dir: Path) -> dict:
    train, eval_ = split()
    stats = {"splits": per_side(train, eval_, "kind"), "styles": per_side(train, eval_, "style"), "totals": {"train": len(train), "eval": len(eval_)},
             "subjects": len(SUBJECTS), "eval_subjects_per_kind": EVAL_PER_KIND, "variants": VARIANTS,
             "rejected_by_self_check": 0, "license": LICENSE}
    return write_split("flutter", out_dir, train, eval_, stats)
