"""Build the shipped Three.js data set offline from the project's own catalogue (catalogue.py).

    .venv/bin/python scripts/build_data.py --domain threejs          (make data DOMAIN=threejs)

Families: `scene` (description -> module), `edit` (module + change request -> module), `fix` (a module
broken in a known way + the error the browser really printed for it -> the working module). Split by
scene kind: catalogue.EVAL_KINDS are arrangements no train item has. Deterministic: one seeded
random.Random per kind, side and family; the browser errors are Chromium's own (the same for the same
code). Every reference is run through the domain's own validator before anything is written, and every
edit and fix input too (domains/building.py); a failing reference, or an input that passes its item's
check (it could not tell a fix from no fix), stops the build. Needs the browser toolchain.
"""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from core.errors import UserError
from domains import registers
from domains.building import per_side, write_split
from domains.threejs import catalogue as cat, phrasing
from domains.threejs.code import module
from domains.threejs.describe import describe
from domains.threejs.plan import edits, sample, spec

SEED = 13
LICENSE = "MIT (written for this project by its builder; no third-party code)"
TRAIN_PER = {"scene": 32, "edit": 12, "fix": 8}     # per train kind: 12 kinds x 52 = 624
EVAL_PER = {"scene": 12, "edit": 5, "fix": 3}       # per eval kind: 4 kinds x 20 = 80
FORUM_PER = {"scene": 3, "fix": 1}                  # per eval kind, eval only: 16 forum items (phrasing.py)
# (what is changed, replacement) applied to the first occurrence; each makes Chromium throw
BREAKS = (("new THREE.{Mat}(", "new THREE.{Mat}al("), ("\tscene.add( mesh );", "\tscene.ad( mesh );"),
          ("import { OrbitControls } from 'three/addons/controls/OrbitControls.js';\n", ""),
          ("renderer.setAnimationLoop( animate );", "renderer.setAnimationLoop( animte );"),
          ("camera.position.set(", "camera.positon.set("), ("renderer.setSize(", "renderer.setsize("),
          ("scene.background = new THREE.Color(", "scene.background.set("),
          ("new THREE.Mesh( geometry, material )", "new THREE.Mesh( geometry, materail )"))


def draws(kind: cat.Kind, side: str, n: int) -> list[dict]:
    """n distinct plans of one kind (distinct spec and code)."""
    rng = random.Random(f"{SEED}-{side}-{kind.name}")
    out, seen = [], set()
    for _ in range(n * 50):
        plan = sample(kind, rng)
        key = module(plan)
        if key not in seen:
            seen.add(key)
            out.append(plan)
        if len(out) == n:
            return out
    raise UserError(f"kind {kind.name}: only {len(out)} distinct plans of {n}")


def _item(family, instruction, input_text, plan, kind, side) -> dict:
    return {"family": family, "instruction": instruction, "input": input_text, "output": module(plan),
            "spec": spec(plan), "kind": kind.name, "source": f"catalogue:{side}:{kind.name}", "license": LICENSE}


def break_code(code: str, rng: random.Random) -> str | None:
    mats = [m for m in cat.MATERIALS if f"new THREE.{m}(" in code]
    for old, new in rng.sample(BREAKS, len(BREAKS)):
        if "{Mat}" in old:
            if not mats:
                continue
            m = rng.choice(mats)
            old, new = old.format(Mat=m), new.format(Mat=m)
        if old in code and not (old.startswith("import") and "OrbitControls(" not in code):
            return code.replace(old, new, 1)
    return None


def side_items(kinds, side: str, per: dict) -> tuple[list[dict], list[tuple[dict, str]]]:
    """(scene + edit items, [(fix item without its error yet, broken code)]); eval adds the forum slice
    (FORUM_PER, from draws after the others; phrasing.py). Registers are applied by `styled`."""
    items, fixes = [], []
    forum = FORUM_PER if side == "eval" else {"scene": 0, "fix": 0}
    for kind in kinds:
        n = per["scene"] + per["edit"] + per["fix"]
        plans = draws(kind, side, n + forum["scene"] + forum["fix"])
        rng = random.Random(f"{SEED}-{side}-{kind.name}-text")
        for plan in plans[:per["scene"]]:
            items.append(_item("scene", describe(plan, rng), "", plan, kind, side))
        for plan in plans[per["scene"]:per["scene"] + per["edit"]]:
            request, changed = rng.choice(edits(plan, kind, rng))
            items.append(_item("edit", request, module(plan), changed, kind, side))
        for plan in plans[per["scene"] + per["edit"]:n]:
            fixes.append(_broken(plan, kind, side, rng))
        frng = random.Random(f"{SEED}-{side}-{kind.name}-forum")
        for plan in plans[n:n + forum["scene"]]:
            items.append(phrasing.forum_scene(_item("scene", "", "", plan, kind, side), plan, frng))
        for plan in plans[n + forum["scene"]:]:
            it, broken = _broken(plan, kind, side, frng)
            fixes.append((dict(it, style=registers.FORUM), broken))
    return items, fixes


def _broken(plan: dict, kind, side: str, rng: random.Random) -> tuple[dict, str]:
    broken = break_code(module(plan), rng)
    if broken is None:
        raise UserError(f"no breakage applies to a {kind.name} module")
    return _item("fix", "", broken, plan, kind, side), broken


def styled(items: list[dict], side: str) -> list[dict]:
    """Each item in its register (phrasing.py), from its own seeded RNG; forum items get their sentence."""
    out = []
    for n, it in enumerate(items):
        rng = random.Random(f"{SEED}-{side}-style-{n}-{it['family']}-{it['kind']}")
        if it.get("style") == registers.FORUM:
            out.append(phrasing.forum_fix(it, rng) if it["family"] == "fix" else it)
        else:
            out.append(phrasing.phrase(it, registers.pick(side, rng, phrasing.TRAINED[it["family"]]), rng))
    return out


def browser_errors(fixes: list[tuple[dict, str]]) -> list[dict]:
    """Each broken module run in the browser; the item's instruction is the error Chromium printed."""
    import domains
    from domains.threejs import SHOTS, page

    domains.get("threejs")._require_tools()
    outs = page.render_many([b for _, b in fixes], SHOTS / "build-broken")
    done = []
    for (it, broken), out in zip(fixes, outs):
        errs = out["errors"]
        if not errs:
            raise UserError(f"a broken {it['kind']} module ran without an error (status {out['status']}): "
                            f"{broken[:200]}")
        it["instruction"] = "Uncaught " + "\n".join(errs[0].splitlines()[:3])
        done.append(it)
    return done


def check_split(train: list[dict], eval_: list[dict]) -> None:
    kinds = [{it["kind"] for it in side} for side in (train, eval_)]
    codes = [{it["output"] for it in side} for side in (train, eval_)]
    if kinds[0] & kinds[1] or codes[0] & codes[1]:
        raise UserError(f"split leaks: kinds {sorted(kinds[0] & kinds[1])}, {len(codes[0] & codes[1])} modules")


def build(out_dir: Path) -> dict:
    train, train_fix = side_items(cat.TRAIN_KINDS, "train", TRAIN_PER)
    eval_, eval_fix = side_items(cat.EVAL_KINDS, "eval", EVAL_PER)
    fixed = browser_errors(train_fix + eval_fix)
    train = styled(train + fixed[:len(train_fix)], "train")
    eval_ = styled(eval_ + fixed[len(train_fix):], "eval")
    check_split(train, eval_)
    stats = {"splits": per_side(train, eval_, "family"), "styles": per_side(train, eval_, "style"),
             "kinds": per_side(train, eval_, "kind"),
             "fix_errors": dict(sorted(Counter(it["instruction"].splitlines()[0].split(":")[0]
                                               for it in fixed).items())),
             "rejected_by_self_check": 0, "seed": SEED, "license": LICENSE}
    return write_split("threejs", out_dir, train, eval_, stats)


def preview(kind_name: str, index: int = 0) -> tuple[dict, str, str]:
    """(plan, description, module) of one train/eval draw, for a look at the catalogue's output."""
    kind = next(k for k in cat.TRAIN_KINDS + cat.EVAL_KINDS if k.name == kind_name)
    side = "eval" if kind in cat.EVAL_KINDS else "train"
    plan = draws(kind, side, index + 1)[index]
    return plan, describe(plan, random.Random(index)), module(plan)


def sample_check(family: str = "scene") -> None:
    """One item of `family` per kind through the validator, one page at a time, each verdict printed as it
    comes (a quick look at the catalogue before the long build)."""
    import time

    import domains

    dom = domains.get("threejs")
    for kind in cat.TRAIN_KINDS + cat.EVAL_KINDS:
        side = "eval" if kind in cat.EVAL_KINDS else "train"
        items, _ = side_items([kind], side, {"scene": 1, "edit": 1, "fix": 0})
        it = next(x for x in items if x["family"] == family)
        t0 = time.monotonic()
        res = dom.validate(it, dom.reference(it))
        print(kind.name, family, res.status, res.level, f"{time.monotonic() - t0:.1f} s", res.detail[:300], flush=True)


if __name__ == "__main__":   # python -m domains.threejs.build KIND (print one draw) | --sample [FAMILY]
    import sys

    if sys.argv[1:2] == ["--sample"]:
        sample_check(sys.argv[2] if len(sys.argv) > 2 else "scene")
    else:
        p, d, m = preview(sys.argv[1] if len(sys.argv) > 1 else "row")
        print(json.dumps(spec(p)), d, m, sep="\n\n")
