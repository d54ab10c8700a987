"""The scene spec every item carries: what its answer must draw (checked by meets.py).

    {"objects": [{"geometry": "BoxGeometry", "count": 3, "color": "#ff0000"}, ...],
     "lights": ["AmbientLight", "DirectionalLight"], "helpers": ["GridHelper"],
     "background": "#101020" | null, "fog": {"type": "Fog" | "FogExp2", "color": "#..."} | null,
     "camera": "PerspectiveCamera" | "OrthographicCamera", "motion": "none" | "spin" | "move" | "camera"}
All keys optional (an empty spec checks only that something is drawn). Bad specs raise DataError with
file:line and what was expected.
"""
from __future__ import annotations

import re

from core.errors import DataError

GEOMETRIES = ("BoxGeometry", "SphereGeometry", "CylinderGeometry", "ConeGeometry", "TorusGeometry",
              "TorusKnotGeometry", "IcosahedronGeometry", "OctahedronGeometry", "DodecahedronGeometry",
              "TetrahedronGeometry", "CapsuleGeometry", "PlaneGeometry", "CircleGeometry", "RingGeometry")
LIGHTS = ("AmbientLight", "HemisphereLight", "DirectionalLight", "PointLight", "SpotLight")
HELPERS = ("GridHelper", "AxesHelper")
CAMERAS = ("PerspectiveCamera", "OrthographicCamera")
MOTIONS = ("none", "spin", "move", "camera")
FOGS = ("Fog", "FogExp2")
_HEX = re.compile(r"^#[0-9a-f]{6}$")
_KEYS = {"objects", "lights", "helpers", "background", "fog", "camera", "motion"}


def check_spec(spec: dict, path, lineno) -> None:
    def bad(msg):
        raise DataError(path, lineno, f"spec: {msg}")

    extra = set(spec) - _KEYS
    if extra:
        bad(f"unknown key(s) {sorted(extra)}; expected some of {sorted(_KEYS)}")
    for i, g in enumerate(spec.get("objects", [])):
        if not isinstance(g, dict) or set(g) != {"geometry", "count", "color"}:
            bad(f"objects[{i}] must be an object with geometry, count, color")
        if g["geometry"] not in GEOMETRIES:
            bad(f"objects[{i}].geometry {g['geometry']!r} is not one of {list(GEOMETRIES)}")
        if not isinstance(g["count"], int) or g["count"] < 1:
            bad(f"objects[{i}].count must be a positive integer")
        if not isinstance(g["color"], str) or not _HEX.match(g["color"]):
            bad(f"objects[{i}].color must be '#rrggbb' (lower case), got {g['color']!r}")
    for key, allowed in (("lights", LIGHTS), ("helpers", HELPERS)):
        for name in spec.get(key, []):
            if name not in allowed:
                bad(f"{key}: {name!r} is not one of {list(allowed)}")
    bg = spec.get("background")
    if bg is not None and not (isinstance(bg, str) and _HEX.match(bg)):
        bad(f"background must be '#rrggbb' or null, got {bg!r}")
    fog = spec.get("fog")
    if fog is not None and (not isinstance(fog, dict) or fog.get("type") not in FOGS
                            or not _HEX.match(str(fog.get("color")))):
        bad(f"fog must be null or {{'type': one of {list(FOGS)}, 'color': '#rrggbb'}}, got {fog!r}")
    if spec.get("camera") not in (None, *CAMERAS):
        bad(f"camera {spec['camera']!r} is not one of {list(CAMERAS)}")
    if spec.get("motion", "none") not in MOTIONS:
        bad(f"motion {spec['motion']!r} is not one of {list(MOTIONS)}")
