"""Scene plans: sampled from the catalogue (one seeded random.Random per draw), turned into the spec the
validator checks, and changed by the `edit` family's change requests.

A plan is a plain dict (JSON-able, so the build can compare and dedupe them):
  kind, groups [{geometry, count, color, cname, material, size}], ground {color, cname} | None,
  lights [class...], background [name, hex], fog {type, color, cname} | None, helpers [class...],
  camera (class), motion, controls (OrbitControls or not), loop ('setAnimationLoop' | 'raf'), hexes
  (whether the description gives hex codes), intensity (light strength variant).
"""
from __future__ import annotations

import copy
import random

from domains.threejs import catalogue as cat
from domains.threejs.meets import COLOR_TOL


def sample(kind: cat.Kind, rng: random.Random) -> dict:
    bg = rng.choice(cat.BACKGROUNDS)
    ground = None
    if kind.name not in ("tower", "helix") and rng.random() < 0.3:
        gname, ghex = rng.choice(cat.GROUNDS)
        ground = {"color": ghex, "cname": gname}
    avoid = [bg[1]] + ([ground["color"]] if ground else [])
    n_groups = 2 if kind.second else 1
    colors = cat.pick_colors(rng, n_groups, avoid)
    shapes = rng.sample(cat.OBJECT_SHAPES, n_groups)
    if kind.name == "checker":
        shapes = [shapes[0], shapes[0]]
    count = rng.choice(kind.counts)
    groups = []
    for i in range(n_groups):
        groups.append({"geometry": shapes[i], "count": _count(kind, i, count), "color": colors[i][1],
                       "cname": colors[i][0], "material": rng.choice(tuple(cat.MATERIALS)),
                       "size": rng.choice((0.8, 1.0, 1.2))})
    fog = None
    if rng.random() < 0.3:
        fog = {"type": rng.choice(("Fog", "FogExp2")), "color": bg[1], "cname": bg[0]}
    helpers = [h for h, p in (("GridHelper", 0.3), ("AxesHelper", 0.15)) if rng.random() < p]
    motion = rng.choice(kind.motions)
    return {"kind": kind.name, "groups": groups, "ground": ground, "lights": list(rng.choice(cat.LIGHT_SETS)),
            "background": list(bg), "fog": fog, "helpers": helpers,
            "camera": "OrthographicCamera" if rng.random() < 0.12 else "PerspectiveCamera",
            "motion": motion, "controls": motion == "camera" and rng.random() < 0.5 or rng.random() < 0.4,
            "loop": rng.choice(("setAnimationLoop", "setAnimationLoop", "raf")), "hexes": rng.random() < 0.5,
            "intensity": rng.choice((0.8, 1.0, 1.2))}


def _count(kind: cat.Kind, group: int, count: int) -> int:
    if kind.name in ("orbit", "pair"):
        return 1 if group == 0 else (count if kind.name == "orbit" else 1)
    if kind.name == "checker":
        return count // 2
    return count


def spec(plan: dict) -> dict:
    objects = [{"geometry": g["geometry"], "count": g["count"], "color": g["color"]} for g in plan["groups"]]
    if plan["ground"]:
        objects.append({"geometry": "PlaneGeometry", "count": 1, "color": plan["ground"]["color"]})
    return {"objects": objects, "lights": list(plan["lights"]), "helpers": list(plan["helpers"]),
            "background": plan["background"][1],
            "fog": {"type": plan["fog"]["type"], "color": plan["fog"]["color"]} if plan["fog"] else None,
            "camera": plan["camera"], "motion": plan["motion"]}


# --- edit: a change request and the plan it leads to -------------------------------------------------
def edits(plan: dict, kind: cat.Kind, rng: random.Random) -> list[tuple[str, dict]]:
    """Every change that applies to `plan`, as (change request, changed plan), in a fixed order."""
    from domains.threejs.describe import color_words, light_words, shape_words

    out = []
    g0 = plan["groups"][0]
    shapes = shape_words(g0, rng, plural=g0["count"] > 1 or plan["kind"] == "checker")
    avoid = [plan["background"][1]] + [g["color"] for g in plan["groups"]] + \
        ([plan["ground"]["color"]] if plan["ground"] else [])
    new = cat.pick_colors(rng, 1, avoid)[0]
    p = copy.deepcopy(plan)
    p["groups"][0].update(color=new[1], cname=new[0])
    out.append((rng.choice(("Make the {s} {c} instead.", "Change the colour of the {s} to {c}.",
                            "Recolour the {s}: {c}.")).format(s=shapes, c=color_words(new, p["hexes"])), p))
    # a new background the validator can tell from the old one (meets.COLOR_TOL): otherwise the input,
    # unchanged, would pass the edit's own check (the audit's "input passes" class)
    bgs = [b for b in cat.BACKGROUNDS if all(cat.rgb_gap(b[1], g["color"]) > 110 for g in plan["groups"])
           and cat.rgb_gap(b[1], plan["background"][1]) > COLOR_TOL]
    if bgs:
        b = rng.choice(bgs)
        p = copy.deepcopy(plan)
        p["background"] = list(b)
        if p["fog"]:
            p["fog"].update(color=b[1], cname=b[0])
        out.append((f"Change the background{' and the fog' if p['fog'] else ''} to "
                    f"{color_words(b, p['hexes'])}.", p))
    p = copy.deepcopy(plan)
    if plan["fog"] is None:
        p["fog"] = {"type": rng.choice(("Fog", "FogExp2")), "color": plan["background"][1], "cname": plan["background"][0]}
        what = "linear fog (THREE.Fog)" if p["fog"]["type"] == "Fog" else "exponential fog (THREE.FogExp2)"
        out.append((f"Add {what} in the background colour.", p))
    for helper, words in (("GridHelper", "a grid helper on the floor"), ("AxesHelper", "an axes helper at the origin")):
        if helper not in plan["helpers"]:
            p = copy.deepcopy(plan)
            p["helpers"].append(helper)
            out.append((f"Add {words}.", p))
    if plan["motion"] == "none" and "spin" in kind.motions:
        p = copy.deepcopy(plan)
        p["motion"] = "spin"
        out.append((f"Animate it: make the {shapes} spin.", p))
    if plan["motion"] != "camera" and "camera" in kind.motions:
        p = copy.deepcopy(plan)
        p["motion"] = "camera"
        out.append(("Make the camera slowly circle around the scene.", p))
    swap = [lt for lt in ("PointLight", "SpotLight", "DirectionalLight") if lt not in plan["lights"]]
    if swap:
        p = copy.deepcopy(plan)
        lt = rng.choice(swap)
        p["lights"].append(lt)
        out.append((f"Add {light_words(lt)} to the lighting.", p))
    others = [s for s in cat.OBJECT_SHAPES if s not in {g["geometry"] for g in plan["groups"]}]
    if plan["kind"] != "checker":
        p = copy.deepcopy(plan)
        p["groups"][0]["geometry"] = rng.choice(others)
        out.append((f"Replace the {shapes} with {shape_words(p['groups'][0], rng, plural=g0['count'] > 1)}.", p))
    return out
