"""Registers (styles) of the Luanti items' instructions, recorded per item as `style`.

* `spec`   the bulleted or key = value specification ("It must have:\\n- description = ...");
* `terse`  one line naming the values ("Register a node named "mymod:stone" with description = ...");
* `open`   a plain request that leaves the mod prefix and unstated fields to the answer
           ("Register a node called 'stone' with description 'Stone'"): its expectation names "*:stone"
           and only the stated fields (expect.py);
* `issue`  (repair) what a player or a server log reports, not what to edit;
* `chatty` a situation, the request inside it, a sign-off. HELD OUT: never in training, so its eval
           items measure whether an adapter learnt Luanti or the training templates.

Deterministic: every choice comes from the item's own seeded RNG (build_items.rng_for).
"""
from __future__ import annotations

STYLES = {"scaffold": ("spec", "terse", "open", "chatty"), "repair": ("spec", "issue", "chatty"),
          "doc": ("spec", "chatty")}
HELD_OUT = ("chatty",)

CHATTY_OPEN = ["Hey! I'm making my first mod for our little server.", "Hi, quick question about my Luanti mod.",
               "So I've been hacking on a mod all evening and I'm stuck.", "My kids want a new block in our world.",
               "Ok, trying something new in my game mod.", "Hello! Total beginner with the Lua API here."]
CHATTY_ASK = ["Could you help me out? {body}", "Here's what I'd like: {body}", "{body}",
              "Would you mind writing this for me? {body}"]
CHATTY_CLOSE = ["Thanks so much!", "Cheers!", "That would be amazing.", "", "Thank you in advance :)"]


def pick_style(family: str, split: str, rng) -> str:
    """Train: one of the family's styles that are not held out. Eval: a held-out style a third of the
    time, else one of the others."""
    seen = [s for s in STYLES[family] if s not in HELD_OUT]
    if split != "eval":
        return rng.choice(seen)
    held = [s for s in STYLES[family] if s in HELD_OUT]
    return rng.choice(held) if held and rng.random() < 1 / 3 else rng.choice(seen)


def chatty(body: str, rng) -> str:
    """The request inside a situation and a sign-off (the held-out register)."""
    ask = rng.choice(CHATTY_ASK).format(body=body.strip())
    return "\n".join(x for x in (rng.choice(CHATTY_OPEN), ask, rng.choice(CHATTY_CLOSE)) if x)
