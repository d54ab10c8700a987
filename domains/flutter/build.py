"""Build the shipped Flutter data set offline from the project's own catalogue (catalogue.py, render.py).

    .venv/bin/python scripts/build_data.py --domain flutter     (make data DOMAIN=flutter)

Deterministic (no randomness: subjects, kinds and variants in a fixed rotation; same code, same bytes).
Split by widget kind: every kind has its own held-out subjects (EVAL_PER_KIND of them, rotating with the
kind), so the eval set has the same kind mix as train and no (kind, subject) pair is on both sides
(asserted). Train takes every variant of the other subjects, eval one variant of each held-out subject.
Every reference passes the domain's own validator before anything is written, or the build stops (a bug
in the catalogue or the validator). Needs the tree-sitter Dart grammar.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import UserError
from domains.building import per_side, write_split
from domains.flutter.catalogue import KINDS, SUBJECTS
from domains.flutter.render import RENDERERS

LICENSE = "MIT (written for this project; no third-party code)"
EVAL_PER_KIND = 10
VARIANTS = 3


def eval_subjects(kind_index: int) -> set[str]:
    n = len(SUBJECTS)
    start = (kind_index * 7) % n
    return {SUBJECTS[(start + j) % n].name for j in range(EVAL_PER_KIND)}


def make_item(kind: str, subject, variant: int, side: str) -> dict:
    instruction, code, spec = RENDERERS[kind](subject, variant)
    return {"id": f"{kind}-{subject.name.lower()}-v{variant}", "family": kind, "instruction": instruction,
            "input": "", "output": code, "spec": spec, "kind": kind, "subject": subject.name,
            "source": f"catalogue:{side}:{kind}:{subject.name}:v{variant}", "license": LICENSE}


def split() -> tuple[list[dict], list[dict]]:
    train, eval_ = [], []
    for k, kind in enumerate(KINDS):
        held = eval_subjects(k)
        for i, s in enumerate(SUBJECTS):
            if s.name in held:
                eval_.append(make_item(kind, s, i % VARIANTS, "eval"))
            else:
                train += [make_item(kind, s, v, "train") for v in range(VARIANTS)]
    leak = {(it["kind"], it["subject"]) for it in train} & {(it["kind"], it["subject"]) for it in eval_}
    if leak:
        raise UserError(f"split leaks (kind, subject) pairs: {sorted(leak)[:5]}")
    return train, eval_


def build(out_dir: Path) -> dict:
    train, eval_ = split()
    stats = {"splits": per_side(train, eval_, "kind"), "totals": {"train": len(train), "eval": len(eval_)},
             "subjects": len(SUBJECTS), "eval_subjects_per_kind": EVAL_PER_KIND, "variants": VARIANTS,
             "rejected_by_self_check": 0, "license": LICENSE}
    return write_split("flutter", out_dir, train, eval_, stats)
