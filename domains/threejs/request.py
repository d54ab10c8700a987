"""The scene facts a free request states, in the spec shape of spec.py (checked by meets.py).

Read from the words of the catalogue the data is written in (catalogue.py, describe.py), or the class
names themselves: object groups "<count> <colour> <shape>" (count as a digit or a number word, "a"/"an"
= 1; colour a CSS name of the catalogue or a #rrggbb code; shape a catalogue word or a geometry class),
"a <colour> ground plane" (PlaneGeometry), lights, helpers, the background colour, fog (linear or
exponential, "in the same colour" as the background), an orthographic camera, and motion (spin, move,
camera). Defaults are not facts: a perspective camera or a static scene is not read. Not read: sizes,
layout, materials, colours outside the catalogue's names.
"""
from __future__ import annotations

import re

from domains.threejs import catalogue as cat
from domains.threejs.describe import LIGHT_WORDS, NUMBERS
from domains.threejs.spec import HELPERS, LIGHTS
from domains.verdict import Fact

_WORDS = {n: w for n, w in NUMBERS.items()}
_NUM = {w: n for n, w in _WORDS.items()} | {"a": 1, "an": 1, "one": 1}
_COLOURS = sorted(cat.COLORS + cat.BACKGROUNDS + cat.GROUNDS, key=lambda c: -len(c[0]))
_COLOUR_RX = "|".join(re.escape(n) for n, _ in dict.fromkeys(_COLOURS))
_SHAPE_WORDS = {w: geo for geo, (a, b, _) in cat.SHAPES.items() for w in (*a, *b)} | \
    {geo: geo for geo in cat.SHAPES} | {geo.replace("Geometry", "").lower(): geo for geo in cat.SHAPES}
_SHAPE_RX = "|".join(re.escape(w) for w in sorted(_SHAPE_WORDS, key=len, reverse=True))
_ADJ = r"(?:(?:flat, unlit|toon-shaded|shiny|matte|standard|small|large|big)\s+)?"
_GROUP = re.compile(rf"\b(\d+|{'|'.join(_NUM)})\s+{_ADJ}(?P<col>{_COLOUR_RX})(?:\s*\((?P<hex>#[0-9a-fA-F]{{6}})\))?"
                    rf"\s+{_ADJ}(?P<shape>{_SHAPE_RX})\b", re.I)
_GROUND = re.compile(rf"\b(?P<col>{_COLOUR_RX})(?:\s*\((?P<hex>#[0-9a-fA-F]{{6}})\))?\s+ground plane", re.I)
_BG = re.compile(rf"(?:background(?P<fog> and the fog)?(?: colou?r)?(?: is| to)?\s+(?P<a>{_COLOUR_RX})(?:\s*\((?P<ha>#[0-9a-f]{{6}})\))?"
                 rf"|(?P<b>{_COLOUR_RX})(?:\s*\((?P<hb>#[0-9a-f]{{6}})\))?\s+background)", re.I)
_MOTION = (("camera", r"camera (?:slowly )?(?:circles|orbits?|goes round|moves)|let the camera orbit|animate the camera"),
           ("spin", r"\bspin|\brotat|\bturning around"),
           ("move", r"\bbobs?\b|\bfloat up and down|\bmove up and down|\borbiting\b|\bkeep orbiting"))


def _hex(name: str, code: str | None) -> str:
    if code:
        return code.lower()
    return next(h for n, h in _COLOURS if n.lower() == name.lower())


_CODE = re.compile(r"^(```|import\s)", re.M)
_CODE_BG = re.compile(r"scene\.background\s*=\s*new THREE\.Color\(\s*0x([0-9a-fA-F]{6})\s*\)")
_CODE_MOTION = (("camera", r"camera\.position\.[xz]\s*=.*\b(sin|cos)\("),
                ("spin", r"\.rotation\.[xyz]\s*(\+=|=\s*[^;]*\b(time|t|elapsed)\b)"),
                ("move", r"(?<!camera)\.position\.[xyz]\s*=.*\b(sin|cos)\("))
_CODE_FOG = re.compile(r"scene\.fog\s*=\s*new THREE\.(FogExp2|Fog)\(\s*0x([0-9a-fA-F]{6})")


def request_spec(text: str) -> dict:
    """The spec a request states: its prose first; a scene module pasted after it (an edit or a fix)
    gives the background, fog and motion the prose leaves as they are (object counts are not read
    from code)."""
    start = _CODE.search(text)
    prose, code = (text[:start.start()], text[start.start():]) if start else (text, "")
    spec = _prose_spec(prose, text)
    bg, fog = _CODE_BG.search(code), _CODE_FOG.search(code)
    if bg and "background" not in spec:
        spec["background"] = "#" + bg.group(1).lower()
    if fog and "fog" not in spec:
        same = spec.get("background") if _BG.search(prose) and (_BG.search(prose).group("fog")) else None
        spec["fog"] = {"type": fog.group(1), "color": same or "#" + fog.group(2).lower()}
    if code and "motion" not in spec:
        moving = next((m for m, rx in _CODE_MOTION if re.search(rx, code)), None)
        if moving:
            spec["motion"] = moving
    return spec


def _prose_spec(text: str, whole: str) -> dict:
    """The spec the words state; class names (lights, helpers, cameras) count anywhere in `whole`."""
    spec: dict = {}
    groups = []
    for m in _GROUP.finditer(text):
        n = m.group(1).lower()
        groups.append({"geometry": _SHAPE_WORDS.get(m.group("shape").lower(), _SHAPE_WORDS.get(m.group("shape"))),
                       "count": int(n) if n.isdigit() else _NUM[n], "color": _hex(m.group("col"), m.group("hex"))})
    ground = _GROUND.search(text)
    if ground:
        groups.append({"geometry": "PlaneGeometry", "count": 1, "color": _hex(ground.group("col"), ground.group("hex"))})
    if groups:
        spec["objects"] = groups
    low = text.lower()
    lights = [lt for lt in LIGHTS if lt in whole or any(w.split(" ", 1)[1].split(" (")[0] in low for w in LIGHT_WORDS[lt])]
    if "spot light" in low and "SpotLight" not in lights:
        lights.append("SpotLight")
    if lights:
        spec["lights"] = lights
    helpers = [h for h in HELPERS if h in whole or {"GridHelper": "grid helper", "AxesHelper": "axes helper"}[h] in low]
    if helpers:
        spec["helpers"] = helpers
    bg = _BG.search(text)
    if bg:
        spec["background"] = _hex(bg.group("a") or bg.group("b"), bg.group("ha") or bg.group("hb"))
    fog = "FogExp2" if re.search(r"exponential fog|FogExp2", text) else "Fog" if re.search(r"\bfog\b|THREE\.Fog", text, re.I) else None
    if fog and "background" in spec and re.search(r"same colou?r", low):
        spec["fog"] = {"type": fog, "color": spec["background"]}
    if re.search(r"orthographic", whole.lower()):
        spec["camera"] = "OrthographicCamera"
    motion = next((m for m, rx in _MOTION if re.search(rx, low)), None)
    if motion:
        spec["motion"] = motion
    return spec


def facts(spec: dict) -> list[tuple[Fact, dict]]:
    """Each fact of a spec with the one-fact spec that checks it; defaults (a perspective camera, no
    motion, no background) are not facts."""
    out = []
    for g in spec.get("objects", []):
        out.append((Fact(("object", g["geometry"], g["count"], g["color"]),
                         f"{g['count']} {g['geometry']} {g['color']}"), {"objects": [g]}))
    for key in ("lights", "helpers"):
        out += [(Fact((key[:-1], x), x), {key: [x]}) for x in spec.get(key, [])]
    if spec.get("background"):
        out.append((Fact(("background", spec["background"]), f"background {spec['background']}"),
                    {"background": spec["background"]}))
    if spec.get("fog"):
        f = spec["fog"]
        out.append((Fact(("fog", f["type"], f["color"]), f"{f['type']} {f['color']}"), {"fog": f}))
    if spec.get("camera") == "OrthographicCamera":
        out.append((Fact(("camera", spec["camera"]), spec["camera"]), {"camera": spec["camera"]}))
    if spec.get("motion") not in (None, "none"):
        out.append((Fact(("motion", spec["motion"]), f"motion {spec['motion']}"), {"motion": spec["motion"]}))
    return out
