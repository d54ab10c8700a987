"""The `renders` and `meets_spec` levels: checks on what the page actually drew, deterministic.

renders:    the screenshot is not blank: some pixels (BLANK_SHARE) differ from its dominant colour, so it
            is neither one flat colour nor the clear colour alone.
meets_spec: on the scene and camera passed to `renderer.render` (first and last frame, page/harness.js):
  * objects: for each spec group {geometry, count, color}, the meshes with that geometry class number
             exactly the sum of the groups of that class, and `count` of them have a material colour
             within COLOR_TOL (RGB distance, 0..255) of the group's colour;
  * lights:  each named light class is present; background: scene.background (or, without one, the
             renderer's clear colour) within COLOR_TOL; fog: its class and colour; helpers: each class
             present; camera: its class;
  * motion:  `spin` a mesh's rotation differs between the first and last frame, `move` a mesh's
             position differs, `camera` the camera's position differs (more than 1e-3);
  * pixels:  the background colour covers at least BG_SHARE of the screenshot; each saturated object
             colour (HSV saturation and value >= 0.3) has at least HUE_SHARE of the pixels within
             HUE_TOL degrees of its hue (lighting changes brightness, white lights keep hue).
Each miss is named. What it does not check: layout (where things are), sizes, what a person would call
a good picture; the optional vision-model rating (judge.py) is a separate number.
"""
from __future__ import annotations

import colorsys

COLOR_TOL = 48.0
BLANK_SHARE = 0.004
BG_SHARE = 0.02
HUE_SHARE = 0.001
HUE_TOL = 25.0
MESH_TYPES = ("Mesh", "InstancedMesh", "SkinnedMesh")


def rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def close(a: str | None, b: str, tol: float = COLOR_TOL) -> bool:
    if not a or not a.startswith("#"):
        return False
    return sum((x - y) ** 2 for x, y in zip(rgb(a), rgb(b))) ** 0.5 <= tol


# --- renders ------------------------------------------------------------------------------------
def pixels(path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        return list(map(tuple, np.asarray(im.convert("RGB")).reshape(-1, 3).tolist()))


def blank_reason(px: list) -> str | None:
    """None when the screenshot shows something besides one colour."""
    from collections import Counter

    if not px:
        return "no screenshot"
    top, _ = Counter(px).most_common(1)[0]
    differ = sum(1 for p in px if sum((a - b) ** 2 for a, b in zip(p, top)) > 144)
    if differ / len(px) < BLANK_SHARE:
        return (f"the screenshot is blank: {100 * (1 - differ / len(px)):.1f}% of it is "
                f"#{top[0]:02x}{top[1]:02x}{top[2]:02x}")
    return None


# --- meets_spec -----------------------------------------------------------------------------------
def scene_misses(spec: dict, first: dict, last: dict | None) -> list[str]:
    snap = last or first
    meshes = [o for o in snap["objects"] if o["type"] in MESH_TYPES and o.get("geometry")]
    misses = _object_misses(spec.get("objects", []), meshes)
    kinds = {o["type"] for o in snap["objects"]}
    for light in spec.get("lights", []):
        if light not in kinds:
            misses.append(f"no {light} in the scene (lights: {sorted(k for k in kinds if k.endswith('Light')) or 'none'})")
    for helper in spec.get("helpers", []):
        if helper not in kinds:
            misses.append(f"no {helper} in the scene")
    misses += _look_misses(spec, snap)
    misses += _motion_misses(spec.get("motion", "none"), first, last)
    return misses


def _object_misses(groups: list[dict], meshes: list[dict]) -> list[str]:
    misses = []
    want_by_geo: dict = {}
    for g in groups:
        want_by_geo[g["geometry"]] = want_by_geo.get(g["geometry"], 0) + g["count"]
    for geo, want in want_by_geo.items():
        have = sum(_n(m) for m in meshes if m["geometry"] == geo)
        if have != want:
            misses.append(f"{want} mesh(es) with {geo} expected, {have} drawn")
    for g in groups:
        same = [m for m in meshes if m["geometry"] == g["geometry"]]
        hit = sum(_n(m) for m in same if close(m.get("color"), g["color"]))
        if hit < g["count"] and sum(_n(m) for m in same) >= g["count"]:
            seen = sorted({m.get("color") or "none" for m in same})[:4]
            misses.append(f"{g['count']} {g['geometry']} mesh(es) coloured {g['color']} expected, {hit} are "
                          f"(colours drawn: {', '.join(seen)})")
    return misses


def _n(mesh: dict) -> int:
    return int(mesh.get("instances", 1)) if mesh["type"] == "InstancedMesh" else 1


def _look_misses(spec: dict, snap: dict) -> list[str]:
    misses = []
    bg = spec.get("background")
    if bg:
        have = snap.get("background") if snap.get("background") not in (None, "texture", "other") else snap.get("clear")
        if not close(have, bg):
            misses.append(f"background {bg} expected, {have or 'none'} drawn")
    fog = spec.get("fog")
    if fog:
        f = snap.get("fog")
        if not f or f["type"] != fog["type"] or not close(f.get("color"), fog["color"]):
            misses.append(f"{fog['type']} coloured {fog['color']} expected, "
                          f"{(f['type'] + ' ' + str(f.get('color'))) if f else 'no fog'} drawn")
    cam = spec.get("camera")
    if cam and (snap.get("camera") or {}).get("type") != cam:
        misses.append(f"a {cam} expected, {(snap.get('camera') or {}).get('type', 'none')} used")
    return misses


def _moved(a: list, b: list, idx) -> bool:
    return any(abs(a[i] - b[i]) > 1e-3 for i in idx)


_ROT = (0, 1, 2, 4, 5, 6, 8, 9, 10)
_POS = (12, 13, 14)


def _motion_misses(motion: str, first: dict, last: dict | None) -> list[str]:
    if motion in ("none", None):
        return []
    if last is None:
        return [f"motion '{motion}' expected, but only one frame was drawn"]
    if motion == "camera":
        ok = _moved(first["camera"]["matrix"], last["camera"]["matrix"], _POS) if first.get("camera") else False
        return [] if ok else ["the camera was expected to move between frames; it did not"]
    idx = _ROT if motion == "spin" else _POS
    pairs = zip(first["objects"], last["objects"])
    ok = any(a["type"] in MESH_TYPES and a["type"] == b["type"] and _moved(a["matrix"], b["matrix"], idx)
             for a, b in pairs)
    what = "rotate" if motion == "spin" else "change position"
    return [] if ok else [f"a mesh was expected to {what} between frames; none did"]


def pixel_misses(spec: dict, px: list) -> list[str]:
    misses = []
    n = len(px) or 1
    bg = spec.get("background")
    if bg:
        c = rgb(bg)
        share = sum(1 for p in px if sum((a - b) ** 2 for a, b in zip(p, c)) <= 900) / n
        if share < BG_SHARE:
            misses.append(f"background {bg} covers {100 * share:.1f}% of the screenshot (< {100 * BG_SHARE:.0f}%)")
    hsv = None
    for g in spec.get("objects", []):
        h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in rgb(g["color"])))
        if s < 0.3 or v < 0.3:
            continue   # greys and darks change too much with lighting to be told apart by pixels
        if hsv is None:
            hsv = [colorsys.rgb_to_hsv(r / 255, gg / 255, b / 255) for r, gg, b in px]
        hits = sum(1 for ph, ps, pv in hsv if ps >= 0.2 and pv >= 0.08 and _hue_gap(ph, h) <= HUE_TOL)
        if hits / n < HUE_SHARE:
            misses.append(f"colour {g['color']} ({g['geometry']}) does not show in the screenshot "
                          f"({hits} pixels of hue {360 * h:.0f})")
    return misses


def _hue_gap(a: float, b: float) -> float:
    d = abs(a - b) * 360
    return min(d, 360 - d)


def fact_count(spec: dict) -> int:
    """How many named checks `scene_misses` + `pixel_misses` can report for this spec (for spec_score)."""
    groups = spec.get("objects", [])
    saturated = sum(1 for g in groups
                    if min(colorsys.rgb_to_hsv(*(x / 255 for x in rgb(g["color"])))[1:]) >= 0.3)
    return (len({g["geometry"] for g in groups}) + len(groups) + saturated + len(spec.get("lights", []))
            + len(spec.get("helpers", [])) + 2 * bool(spec.get("background")) + bool(spec.get("fog"))
            + bool(spec.get("camera")) + (spec.get("motion", "none") not in ("none", None)))
