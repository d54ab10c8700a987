"""A scene plan -> a description in varied natural language (what a user of the seed would write): every
fact the spec checks is stated (shapes and counts, colours, lights, background, fog, helpers, camera
kind, motion), in shuffled order and with synonyms; hex codes in about half of the descriptions.
"""
from __future__ import annotations

import random

from domains.threejs import catalogue as cat

NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
           10: "ten", 14: "fourteen", 16: "sixteen"}
LIGHT_WORDS = {"AmbientLight": ("an ambient light", "soft ambient light"),
               "HemisphereLight": ("a hemisphere light", "a sky/ground hemisphere light"),
               "DirectionalLight": ("a directional light", "a directional (sun-like) light"),
               "PointLight": ("a point light", "a point light above the scene"),
               "SpotLight": ("a spotlight", "a spot light shining down")}
OPENERS = ("Create a three.js scene with", "Make a 3D scene showing", "I want a scene with", "Build a three.js page:",
           "Render", "Write a three.js module that shows", "Show", "Set up a scene containing")


def color_words(c, hexes: bool) -> str:
    name, hx = c
    return f"{name} ({hx})" if hexes else name


def light_words(light: str, rng: random.Random | None = None) -> str:
    words = LIGHT_WORDS[light]
    return rng.choice(words) if rng else words[0]


def shape_words(g: dict, rng: random.Random, plural: bool) -> str:
    pick = rng.choice(cat.SHAPES[g["geometry"]][:2])
    return pick[1] if plural else pick[0]


def count_words(n: int, rng: random.Random) -> str:
    return NUMBERS.get(n, str(n)) if rng.random() < 0.7 else str(n)


def _group(g: dict, plan: dict, rng: random.Random) -> str:
    n = g["count"]
    adj = cat.MATERIALS[g["material"]][0]
    adj = f"{adj} " if adj and rng.random() < 0.5 else ""
    col = color_words((g["cname"], g["color"]), plan["hexes"])
    if n == 1:
        return f"a {adj}{col} {shape_words(g, rng, False)}"
    return f"{count_words(n, rng)} {adj}{col} {shape_words(g, rng, True)}"


ARRANGE = {
    "centerpiece": lambda a, b: f"{a} in the middle of the scene",
    "row": lambda a, b: rnd(f"{a} lined up in a row along the x axis", f"{a} side by side in a straight line"),
    "grid": lambda a, b: rnd(f"{a} laid out in a grid", f"{a} arranged in rows and columns on a grid"),
    "ring": lambda a, b: rnd(f"{a} arranged in a circle", f"a ring of {a} around the centre"),
    "tower": lambda a, b: rnd(f"{a} stacked on top of each other in a tower", f"a vertical stack of {a}"),
    "orbit": lambda a, b: rnd(f"{a} at the centre with {b} circling around it",
                              f"{b} orbiting {a} in the middle"),
    "scatter": lambda a, b: rnd(f"{a} scattered around the scene", f"{a} placed at random-looking spots"),
    "two_rows": lambda a, b: rnd(f"two parallel rows: {a} in the back row and {b} in the front row",
                                 f"a row of {a} behind a row of {b}"),
    "bobbing": lambda a, b: rnd(f"{a} in a row", f"{a} placed next to each other"),
    "staircase": lambda a, b: rnd(f"{a} arranged like the steps of a staircase, each one higher",
                                  f"a rising staircase of {a}"),
    "checker": lambda a, b: rnd(f"a checkerboard pattern alternating {a} and {b}",
                                f"a grid that alternates {a} and {b} like a chessboard"),
    "pair": lambda a, b: rnd(f"{a} on the left and {b} on the right", f"{a} next to {b}"),
    "helix": lambda a, b: rnd(f"{a} climbing in a spiral (a helix)", f"a helix of {a} winding upwards"),
    "pyramid": lambda a, b: rnd(f"{a} stacked into a stepped pyramid, wider layers at the bottom",
                                f"a pyramid built from {a}, layer on layer"),
    "wave_field": lambda a, b: rnd(f"a square field of {a}", f"{a} laid out in a square grid"),
    "concentric": lambda a, b: rnd(f"an inner ring of {a} and an outer ring of {b}",
                                   f"two circles around the centre: {a} inside, {b} outside"),
}
_RNG: list = []


def rnd(*options: str) -> str:
    return _RNG[-1].choice(options)


def _motion(plan: dict, rng: random.Random) -> str:
    m, kind = plan["motion"], plan["kind"]
    if m == "spin":
        return rng.choice(("The main objects slowly spin.", "Animate the main objects so they rotate.",
                           "They keep turning around their own axes."))
    if m == "camera":
        return rng.choice(("The camera slowly circles around the scene.", "Let the camera orbit around everything.",
                           "Animate the camera so it goes round the scene."))
    if m == "move":
        return {"orbit": "The outer objects keep orbiting the centre.",
                "pair": "The object on the right bobs up and down.",
                "wave_field": "They move up and down in a travelling wave."}.get(
            kind, rng.choice(("Each one bobs up and down.", "They float up and down, out of step with each other.")))
    return rng.choice(("Nothing moves.", "The scene is static.", ""))


def describe(plan: dict, rng: random.Random) -> str:
    _RNG.append(rng)
    try:
        g = plan["groups"]
        a = _group(g[0], plan, rng)
        b = _group(g[1], plan, rng) if len(g) > 1 else ""
        parts = [f"{rng.choice(OPENERS)} {ARRANGE[plan['kind']](a, b)}."]
        facts = [_look(plan, rng), _lights(plan, rng), _motion(plan, rng)]
        if plan["ground"]:
            facts.append(f"Put a {color_words((plan['ground']['cname'], plan['ground']['color']), plan['hexes'])} "
                         "ground plane under them.")
        if plan["helpers"]:
            facts.append(" and ".join({"GridHelper": "a grid helper on the floor", "AxesHelper": "an axes helper"}[h]
                                      for h in plan["helpers"]).capitalize().join(("Show ", ".")).replace("Show A", "Show a"))
        if plan["camera"] == "OrthographicCamera":
            facts.append(rng.choice(("Use an orthographic camera.", "View it through an orthographic camera from above at an angle.")))
        elif rng.random() < 0.3:
            facts.append("Use a perspective camera.")
        rng.shuffle(facts)
        return " ".join([parts[0]] + [f for f in facts if f])
    finally:
        _RNG.pop()


def _look(plan: dict, rng: random.Random) -> str:
    bg = color_words(plan["background"], plan["hexes"])
    text = rng.choice((f"The background is {bg}.", f"Use a {bg} background.", f"Set the background colour to {bg}."))
    fog = plan["fog"]
    if fog:
        kind = "linear fog (THREE.Fog)" if fog["type"] == "Fog" else "exponential fog (FogExp2)"
        text += f" Add {kind} in the same colour."
    return text


def _lights(plan: dict, rng: random.Random) -> str:
    words = [light_words(lt, rng) for lt in plan["lights"]]
    joined = ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else words[0]
    return rng.choice((f"Light it with {joined}.", f"Lighting: {joined}.", f"Use {joined}."))
