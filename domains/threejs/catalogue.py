"""The catalogue the shipped Three.js data is sampled from: shapes, colours, backgrounds, fog, lights,
materials, helpers and the scene kinds (arrangements). Written for this project (no third-party text).

A scene `plan` is the spec (spec.py) plus what the code and the description need besides: the kind,
each group's material and size, light parameters, the camera distance. Kinds are split: TRAIN_KINDS
and EVAL_KINDS share no arrangement, so an eval scene is never a train scene with other colours.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

# geometry class -> (singular, plural, constructor arguments at size s, s around 1)
SHAPES = {
    "BoxGeometry": (("cube", "cubes"), ("box", "boxes"), "{s}, {s}, {s}"),
    "SphereGeometry": (("sphere", "spheres"), ("ball", "balls"), "{h}, 32, 16"),
    "CylinderGeometry": (("cylinder", "cylinders"), ("column", "columns"), "{q}, {q}, {s}, 24"),
    "ConeGeometry": (("cone", "cones"), ("cone", "cones"), "{h}, {s}, 24"),
    "TorusGeometry": (("torus", "tori"), ("ring", "rings"), "{h}, {r}, 16, 48"),
    "TorusKnotGeometry": (("torus knot", "torus knots"), ("knot", "knots"), "{q}, {r}, 96, 12"),
    "IcosahedronGeometry": (("icosahedron", "icosahedra"), ("icosahedron", "icosahedrons"), "{h}, 0"),
    "OctahedronGeometry": (("octahedron", "octahedra"), ("octahedron", "octahedrons"), "{h}, 0"),
    "DodecahedronGeometry": (("dodecahedron", "dodecahedra"), ("dodecahedron", "dodecahedrons"), "{h}, 0"),
    "TetrahedronGeometry": (("tetrahedron", "tetrahedra"), ("tetrahedron", "tetrahedrons"), "{h}, 0"),
    "CapsuleGeometry": (("capsule", "capsules"), ("pill", "pills"), "{q}, {s}, 8, 16"),
}
OBJECT_SHAPES = tuple(SHAPES)

# (name, hex): CSS colour names, so `color: 'red'` and `0xff0000` both match the spec's colour
COLORS = (("red", "#ff0000"), ("orange", "#ffa500"), ("gold", "#ffd700"), ("yellow", "#ffff00"),
          ("lime", "#00ff00"), ("forest green", "#228b22"), ("teal", "#008080"), ("turquoise", "#40e0d0"),
          ("deep sky blue", "#00bfff"), ("royal blue", "#4169e1"), ("blue", "#0000ff"),
          ("blue violet", "#8a2be2"), ("purple", "#800080"), ("magenta", "#ff00ff"), ("hot pink", "#ff69b4"),
          ("crimson", "#dc143c"), ("coral", "#ff7f50"), ("chocolate", "#d2691e"), ("white", "#ffffff"),
          ("silver", "#c0c0c0"))
BACKGROUNDS = (("black", "#000000"), ("dark slate grey", "#2f4f4f"), ("very dark navy", "#0b1020"),
               ("light grey", "#d3d3d3"), ("white", "#ffffff"), ("sky blue", "#87ceeb"),
               ("dim grey", "#696969"), ("beige", "#f5f5dc"), ("midnight blue", "#191970"),
               ("charcoal", "#222222"))
GROUNDS = (("grey", "#808080"), ("dark grey", "#555555"), ("sandy", "#c2b280"), ("olive", "#6b8e23"))
MATERIALS = {"MeshStandardMaterial": ("", "standard"), "MeshPhongMaterial": ("shiny", "Phong"),
             "MeshLambertMaterial": ("matte", "Lambert"), "MeshToonMaterial": ("toon-shaded", "toon"),
             "MeshBasicMaterial": ("flat, unlit", "basic")}
# light set -> the lights' classes (their parameters are in code.py)
LIGHT_SETS = (("AmbientLight", "DirectionalLight"), ("HemisphereLight", "DirectionalLight"),
              ("AmbientLight", "PointLight"), ("AmbientLight", "SpotLight"), ("HemisphereLight", "PointLight"),
              ("AmbientLight", "DirectionalLight", "PointLight"))


@dataclass(frozen=True)
class Kind:
    name: str
    counts: tuple          # possible counts of the main group
    motions: tuple         # motions this arrangement supports
    second: bool = False   # has a second group (another shape)
    extent: float = 4.0    # rough radius of the arrangement (camera distance)


TRAIN_KINDS = (
    Kind("centerpiece", (1,), ("spin", "none", "camera"), extent=2.0),
    Kind("row", (3, 4, 5, 6), ("spin", "none", "move")),
    Kind("grid", (4, 6, 9), ("spin", "none", "camera"), extent=4.5),
    Kind("ring", (5, 6, 8, 10), ("spin", "none", "camera"), extent=5.0),
    Kind("tower", (3, 4, 5), ("spin", "none", "camera"), extent=3.5),
    Kind("orbit", (2, 3, 4), ("move",), second=True, extent=5.0),
    Kind("scatter", (4, 5, 6, 7), ("spin", "none", "camera"), extent=5.0),
    Kind("two_rows", (3, 4, 5), ("spin", "none"), second=True, extent=5.0),
    Kind("bobbing", (3, 4, 5), ("move",), extent=4.5),
    Kind("staircase", (4, 5, 6), ("none", "camera", "spin"), extent=4.5),
    Kind("checker", (4, 6, 8), ("none", "spin"), second=True, extent=4.5),
    Kind("pair", (1,), ("spin", "move", "none"), second=True, extent=3.0),
)
EVAL_KINDS = (
    Kind("helix", (6, 8, 10), ("spin", "camera", "none"), extent=4.0),
    Kind("pyramid", (5, 14), ("none", "camera"), extent=4.0),
    Kind("wave_field", (9, 16), ("move",), extent=5.0),
    Kind("concentric", (4, 6), ("spin", "camera"), second=True, extent=5.5),
)


def rgb_gap(a: str, b: str) -> float:
    pa = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    pb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return sum((x - y) ** 2 for x, y in zip(pa, pb)) ** 0.5


def hue_gap(a: str, b: str) -> float:
    import colorsys

    ha = colorsys.rgb_to_hsv(*(int(a[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    hb = colorsys.rgb_to_hsv(*(int(b[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    d = abs(ha[0] - hb[0]) * 360
    return 360.0 if min(ha[1], hb[1]) < 0.3 else min(d, 360 - d)


def pick_colors(rng: random.Random, n: int, avoid: list[str]) -> list[tuple[str, str]]:
    """n object colours, far from each other and from `avoid` (background, ground): RGB gap > 110 and,
    when both are saturated, hue gap > 50 degrees (so the pixel check can tell them apart)."""
    for _ in range(200):
        picks = rng.sample(COLORS, n)
        hexes = [h for _, h in picks]
        others = hexes + avoid
        if all(rgb_gap(a, b) > 110 and hue_gap(a, b) > 50 for i, a in enumerate(hexes) for b in others[i + 1:]):
            return picks
    raise RuntimeError("no colour set fits")
