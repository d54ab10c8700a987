"""Phrasing registers shared by the catalogue-built domains (unity_csharp, flutter, threejs build.py).

Every item records the register its request is written in as `style`; eval/passk.py and gate E slice by
it, and training records the styles it saw (training/data.py), so gate E marks an eval style absent from
training as held out. Each domain's builder has its own trained registers (spec, terse, issue, ...) and
shares two eval-only ones written here:

* `chatty` (HELD_OUT) the request inside a developer's situation and a sign-off; never in training, so its
  eval items measure whether an adapter learnt the domain or the training templates (as Luanti's `chatty`);
* `forum`  (FORUM) a plain request as a developer asks in a forum: one or two lines, no field list, values
  in words. The domain's builder writes these and narrows the item's own check (its spec or expectation)
  to what the request states: that item only, never the validator.

Deterministic: every choice comes from the rng the caller passes (seeded per item).
"""
from __future__ import annotations

import random
import re

HELD_OUT = "chatty"
FORUM = "forum"
EVAL_ONLY = (HELD_OUT, FORUM)

OPENERS = ("Hi, I'm stuck on part of my project.", "Hey! Quick one for a side project.",
           "Hello, still learning this as I go.", "My lead asked me for this today and I'm short on time.",
           "Evening all. Working on a prototype and hit a wall.", "Ok so I've been at this for hours.")
ASKS = ("Could you help me out? {body}", "Here's what I need: {body}", "{body}",
        "Would you mind writing this for me? {body}", "Any chance you could do this? {body}")
CLOSES = ("Thanks a lot!", "Cheers!", "", "Much appreciated.", "Thanks in advance :)")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                "twenty")


def pick(split: str, rng: random.Random, trained: tuple, p_held: float = 1 / 3) -> str:
    """Train: one of the family's trained registers. Eval: the held-out one with probability p_held."""
    if split == "eval" and rng.random() < p_held:
        return HELD_OUT
    return rng.choice(trained)


def chatty(body: str, rng: random.Random, openers: tuple = ()) -> str:
    """The request inside a situation and a sign-off (the held-out register); `openers` adds the domain's."""
    ask = rng.choice(ASKS).format(body=body.strip())
    return "\n".join(x for x in (rng.choice(OPENERS + tuple(openers)), ask, rng.choice(CLOSES)) if x)


def in_words(text: str) -> str:
    """Whole numbers up to twenty written as words ("every 10 seconds" -> "every ten seconds"); decimals
    and larger numbers stay digits."""
    return re.sub(r"(?<![\w.])(\d+)(?![\w.]|\.\d)",
                  lambda m: NUMBER_WORDS[int(m.group(1))] if int(m.group(1)) < len(NUMBER_WORDS) else m.group(1),
                  text)


def mentioned(names, text: str) -> list[str]:
    """The names written out in `text` as whole words (case-sensitive), in their given order."""
    return [n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", text)]
