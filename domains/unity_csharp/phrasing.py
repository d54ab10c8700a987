"""Registers (`style`) of the Unity items' requests, chosen per item by a seeded RNG (build.py):

* `spec`   structured: the IR JSON after `BEHAVIOR SPECIFICATION:` (ir_to_cs), a bulleted description
           (nl_to_ir), Mono's error list (cs_repair);
* `terse`  one line stating the class, components, fields with types and defaults, and each trigger with
           its actions (ir_to_cs without an IR, nl_to_ir);
* `issue`  (cs_repair) what a developer pastes from Unity's console, not "fix the script";
* `chatty` HELD OUT of training (domains/registers.py): a situation, the request, a sign-off;
* `forum`  eval only: a plain one- or two-line question ("How do I make a SimpleDoorKey script that opens
           unlocksDoor when the player picks it up?"), numbers in words, no field list. Its item carries
           `expect`: the IR narrowed to what the question states (the class; the fields it names, by name
           only; the components it names; the behaviours whose trigger kind request.py reads in it), and
           the validator checks that instead of the whole IR (meets.py: a field without a type is checked
           as declared, nothing more).
"""
from __future__ import annotations

import json
import random
import re

from domains import registers
from domains.unity_csharp import ir as irmod

TRAINED = {"ir_to_cs": ("spec", "terse"), "nl_to_ir": ("terse", "spec"), "cs_repair": ("spec", "issue")}
IR_INSTRUCTIONS = ("Generate the complete Unity C# MonoBehaviour script for this behaviour specification.",
                   "Write the MonoBehaviour this specification describes, as one C# file.",
                   "Implement this behaviour specification as a Unity C# script.",
                   "Turn the specification above into a compilable MonoBehaviour.")
CODE_ASK = ("Write this as a MonoBehaviour: {line}", "Unity C# script. {line}", "{line} Write it in C#.")
REPAIR_SPEC = ("This Unity script does not compile. Mono's C# compiler says:\n{errors}\nFix the script.",
               "Compiler errors:\n{errors}\nFix Script.cs.",
               "mcs rejects this script:\n{errors}\nReturn it fixed.")
REPAIR_ISSUE = ("Unity's console shows this when I press Play:\n{errors}\nWhat's wrong with my script?",
                "Getting these errors and the game won't start:\n{errors}\nCan you fix it?",
                "{errors}\nThat's what the console says about this script. Help?")
FORUM_ASK = ("How do I make a {cls} script that {rest}?", "Need a script called {cls}: it {rest}. How would I write that?",
             "What's the simplest way to write a {cls} that {rest} in Unity?",
             "Trying to get something that {rest} working. The script is {cls}, C# please.")
FORUM_WHEN = ("It runs {when}.", "This happens {when}.", "Should kick in {when}.")
FORUM_REPAIR = ("My {cls} script won't compile, Unity says {error}. What am I doing wrong?",
                "Why does {cls} give me {error}? Script below.",
                "Can't get rid of {error} in {cls}. Help pls")
OPENERS = ("Hey, making my first Unity game.", "Hi, game jam this weekend and I'm behind.")


def _field(f: dict) -> str:
    return f"{f['name']} ({f['type']}{'' if f.get('default') is None else ', ' + json.dumps(f['default'])})"


def facts_line(ir: dict, desc: str, rng: random.Random) -> str:
    """One line stating every fact of the IR, in one of a few orders and wordings."""
    fields = ", ".join(map(_field, ir["fields"])) or "none"
    whens = "; ".join(f"{b['trigger']}: {', '.join(b['actions'])}" for b in ir["behaviors"])
    comps = f" It uses {', '.join(ir['components'])}." if ir["components"] else ""
    return rng.choice((f"{desc} Class {ir['class_name']}.{comps} Fields: {fields}. Behaviour: {whens}.",
                       f"MonoBehaviour {ir['class_name']}.{comps} Fields: {fields}. Behaviour: {whens}. {desc}",
                       f"Class {ir['class_name']}, fields {fields}.{comps} Behaviour: {whens}."))


def bullets(ir: dict, desc: str) -> str:
    lines = [desc, f"- class: {ir['class_name']}"]
    if ir["components"]:
        lines.append(f"- uses: {', '.join(ir['components'])}")
    lines += [f"- field {_field(f)}" for f in ir["fields"]]
    lines += [f"- {b['trigger']}: {', '.join(b['actions'])}" for b in ir["behaviors"]]
    return "\n".join(lines)


def phrase(item: dict, desc: str, errors: str, style: str, rng: random.Random) -> dict:
    """The item written in `style` (chatty: another trained register inside a situation)."""
    fam = item["family"]
    base = rng.choice(TRAINED[fam]) if style == registers.HELD_OUT else style
    out = dict(item, style=style)
    if fam == "ir_to_cs" and base == "terse":   # asks for code, so it never reads as an nl_to_ir request
        out["instruction"] = rng.choice(CODE_ASK).format(line=facts_line(item["ir"], desc, rng))
        out["input"] = ""
    elif fam == "ir_to_cs":
        out["instruction"] = rng.choice(IR_INSTRUCTIONS)
    elif fam == "nl_to_ir":
        out["instruction"] = facts_line(item["ir"], desc, rng) if base == "terse" else bullets(item["ir"], desc)
    else:
        out["instruction"] = rng.choice(REPAIR_SPEC if base == "spec" else REPAIR_ISSUE).format(errors=errors)
    if style == registers.HELD_OUT:
        out["instruction"] = registers.chatty(out["instruction"], rng, OPENERS)
    return out


def forum_request(ir: dict, desc: str, rng: random.Random) -> tuple[str, dict]:
    """(a forum question asking for this behaviour, the IR narrowed to what it states)."""
    cls = ir["class_name"]
    rest = desc.strip().rstrip(".")
    rest = rest[len(cls):].strip() if rest.startswith(cls) else rest[0].lower() + rest[1:]
    text = rng.choice(FORUM_ASK).format(cls=cls, rest=rest)
    unread = [b for b in ir["behaviors"] if irmod.trigger_kind(b["trigger"]) not in _kinds(text)]
    if unread:
        text += " " + rng.choice(FORUM_WHEN).format(when=unread[0]["trigger"])
    text = registers.in_words(text)
    kinds = _kinds(text)
    expect = {"class_name": cls, "components": registers.mentioned(ir["components"], text),
              "fields": [{"name": n} for n in registers.mentioned([f["name"] for f in ir["fields"]], text)],
              "behaviors": [b for b in ir["behaviors"] if irmod.trigger_kind(b["trigger"]) in kinds]}
    return text, expect


def _kinds(text: str) -> set:
    """The trigger kinds request.py reads, sentence by sentence (a question mark ends one too)."""
    from domains.unity_csharp.request import request_facts_of

    return {k for part in re.split(r"[?!]\s+", text) for k in request_facts_of(part)["triggers"]}


def forum_repair(cls: str, errors: str, rng: random.Random) -> str:
    first = errors.splitlines()[0].split(": error ", 1)[-1].split(" and no extension method")[0]
    return rng.choice(FORUM_REPAIR).format(cls=cls, error=f"`{first}`")
