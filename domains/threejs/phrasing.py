"""Registers (`style`) of the three.js items' requests, chosen per item by a seeded RNG (build.py):

* `spec`      scene: describe.py's varied prose stating every checked fact; edit: the change request;
              fix: the browser's error line as Chromium printed it;
* `terse`     scene: one line of class names and hex colours ("3 x BoxGeometry #ff0000; background ...");
* `checklist` scene: a heading and one bullet per fact;
* `issue`     fix: what a developer reports (the page stays black, the error pasted into a sentence);
* `chatty`    HELD OUT of training (domains/registers.py): a situation, one of the above, a sign-off;
* `forum`     eval only: a plain question ("How do I make a helix of eight purple tetrahedra on a charcoal
              background, slowly turning?"): counts in words, colours by name, no lights, fog, helpers or
              camera. Its spec keeps what the question states: the shape groups it names (the ground plane
              only when named), the background, the motion; lights, helpers, fog and camera are left to the
              answer. A forum fix is the fix item with the error quoted in a sentence (spec unchanged).
"""
from __future__ import annotations

import random

from domains import registers
from domains.threejs import describe as d

TRAINED = {"scene": ("spec", "terse", "checklist"), "edit": ("spec",), "fix": ("spec", "issue")}
OPENERS = ("Hey, putting together a landing page with some 3D.", "Hi, first time using three.js for a demo.")
ISSUE = ("{err}\nThe page stays black since this change. What's wrong?",
         "My canvas is empty and the console shows:\n{err}\nCan you fix the module?",
         "Nothing renders. Console:\n{err}")
FORUM_FIX = ("My scene is just black and the console says `{err}`. What did I break?",
             "Why do I get `{err}` here? Code below.", "three.js newbie: `{err}`, no idea what it means. Help?")
FORUM_SCENE = ("How do I make {what} on a {bg} background{motion}?", "Trying to get {what}, {bg} background{motion}. "
               "How would I do that in three.js?", "Any example of {what} with a {bg} background{motion}?")
FORUM_MOTION = {"spin": (", slowly turning", ", each one spinning"), "camera": (", camera circling around it",
                                                                             ", with the view orbiting slowly"),
                "move": (", bobbing up and down", ", moving in a wave"), "none": ("", "")}


def _facts(sp: dict, kind: str) -> list[str]:
    out = [f"{kind.replace('_', ' ')} layout"]
    out += [f"{g['count']} x {g['geometry']} {g['color']}" for g in sp["objects"]]
    out.append(f"background {sp['background']}")
    if sp["fog"]:
        out.append(f"{sp['fog']['type']} {sp['fog']['color']}")
    out += [", ".join(sp["lights"])] + [", ".join(sp["helpers"])] * bool(sp["helpers"])
    out += [sp["camera"], f"motion: {sp['motion']}"]
    return out


def phrase(item: dict, style: str, rng: random.Random) -> dict:
    """The item in `style`; chatty wraps another trained register of its family."""
    fam = item["family"]
    base = rng.choice(TRAINED[fam]) if style == registers.HELD_OUT else style
    text = item["instruction"]
    if base == "terse":
        facts = _facts(item["spec"], item["kind"])
        text = rng.choice(("three.js scene: {}.", "Scene ({}).", "ES module, {}.")).format("; ".join(facts))
    elif base == "checklist":
        text = "\n".join([rng.choice(("A three.js scene:", "Scene requirements:"))]
                         + [f"- {f}" for f in _facts(item["spec"], item["kind"])])
    elif base == "issue":
        text = rng.choice(ISSUE).format(err=text)
    if style == registers.HELD_OUT:
        text = registers.chatty(text, rng, OPENERS)
    return dict(item, instruction=text, style=style)


def forum_scene(item: dict, plan: dict, rng: random.Random) -> dict:
    """A scene item asked as a forum question; its spec narrowed to what the question states."""
    plain = dict(plan, hexes=False)
    d._RNG.append(rng)
    try:
        g = plain["groups"]
        what = d.ARRANGE[plain["kind"]](d._group(g[0], plain, rng), d._group(g[1], plain, rng) if len(g) > 1 else "")
    finally:
        d._RNG.pop()
    text = rng.choice(FORUM_SCENE).format(what=what, bg=plain["background"][0],
                                          motion=rng.choice(FORUM_MOTION[plain["motion"]]))
    text = registers.in_words(text)
    sp = item["spec"]
    ground = plan["ground"]["color"] if plan["ground"] else None
    objects = [o for o in sp["objects"] if not (o["geometry"] == "PlaneGeometry" and o["color"] == ground)]
    narrowed = {"objects": objects, "background": sp["background"], "motion": sp["motion"]}
    return dict(item, instruction=text, spec=narrowed, style=registers.FORUM)


def forum_fix(item: dict, rng: random.Random) -> dict:
    err = item["instruction"].splitlines()[0]
    return dict(item, instruction=rng.choice(FORUM_FIX).format(err=err), style=registers.FORUM)
