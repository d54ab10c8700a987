"""The behaviour IR of the Unity domain: its JSON Schema (ir_schema.json), validation and trigger words.

`normalise_ir(ir)` puts the shapes real IR files use into the one shape the schema checks, in ONE place
(ir_errors and check_ir call it first, so every reader gets it): the Unity seed's own files (its
calibration pairs and ShareGPT train/eval files) write each action as an object, {"action": "rotate
around vertical axis at rotation speed", ...other keys}, where this project's IR has a string. The
object becomes its `action` text with the other keys after it in parentheses ("... (target: self)"),
so nothing it says is lost; an object without a string `action` is left for the schema to name.
`check_ir(ir, path, line)` validates one IR against the schema and a few rules JSON Schema cannot say
(field names unique, a field does not shadow the class name) and raises DataError with file:line and
the JSON path of the first problem. `trigger_messages(trigger)` maps a trigger in words to the Unity
messages that may implement it (see TRIGGERS); what it does not know it reports as None, and meets_ir
then checks nothing for that behaviour (counted in the result's metrics).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from core.errors import DataError

SCHEMA_PATH = Path(__file__).with_name("ir_schema.json")

TOUCH = ("OnTriggerEnter", "OnCollisionEnter", "OnTriggerEnter2D", "OnCollisionEnter2D")
LEAVE = ("OnTriggerExit", "OnCollisionExit", "OnTriggerExit2D", "OnCollisionExit2D")
# (kind, words any of which starts a word of the trigger, Unity messages that implement it). First
# match wins, so the more specific kinds come first. "timer" is met by a coroutine (a method returning IEnumerator) or a
# call to Invoke/InvokeRepeating, not by a message.
TRIGGERS = (
    ("late", ("after all updates", "late update", "after movement"), ("LateUpdate",)),
    ("timer", ("after", "seconds", "timer", "delay", "interval", "periodically"), ("<timer>",)),
    ("leave", ("leaves", "exits", "stops touching", "no longer touch"), LEAVE),
    ("touch", ("touch", "collide", "collision", "enters", "hit", "collect", "bump", "lands on"), TOUCH),
    ("physics", ("physics", "fixed"), ("FixedUpdate",)),
    ("frame", ("every frame", "each frame", "per frame", "continuously", "key", "pressed", "button",
               "mouse"), ("Update", "LateUpdate")),
    ("start", ("start", "awake", "spawn", "created", "begins", "loaded"), ("Start", "Awake", "OnEnable")),
    ("disable", ("disabled", "destroyed", "removed"), ("OnDisable", "OnDestroy")),
    ("enable", ("enabled", "activated"), ("OnEnable",)),
)


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _action_text(action):
    if not (isinstance(action, dict) and isinstance(action.get("action"), str) and action["action"].strip()):
        return action
    rest = [f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
            for k, v in action.items() if k != "action"]
    return action["action"] + (f" ({', '.join(rest)})" if rest else "")


def normalise_ir(ir):
    """A copy of `ir` with every action a string (see the module docstring); anything not an IR-like
    object is returned as it is, for the schema check to report."""
    if not isinstance(ir, dict) or not isinstance(ir.get("behaviors"), list):
        return ir
    behaviors = [dict(b, actions=[_action_text(a) for a in b["actions"]])
                 if isinstance(b, dict) and isinstance(b.get("actions"), list) else b for b in ir["behaviors"]]
    return {**ir, "behaviors": behaviors}


def ir_errors(ir) -> list[str]:
    """Every schema/rule problem of one IR (normalised first) as 'at <json path>: <message>', in a
    stable order."""
    ir = normalise_ir(ir)
    errs = sorted(_validator().iter_errors(ir), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    out = [f"at {_json_path(e.absolute_path)}: {e.message}" for e in errs]
    if not out:
        seen = set()
        for i, f in enumerate(ir["fields"]):
            if f["name"] in seen:
                out.append(f"at $.fields[{i}].name: field {f['name']!r} is declared twice")
            if f["name"] == ir["class_name"]:
                out.append(f"at $.fields[{i}].name: a field may not be named like the class")
            seen.add(f["name"])
    return out


def check_ir(ir, path, line) -> dict:
    """The IR, normalised (normalise_ir), if valid, else DataError(path:line) naming the first problem and
    the count."""
    ir = normalise_ir(ir)
    errs = ir_errors(ir)
    if errs:
        more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
        raise DataError(path, line, f"IR does not match the schema {SCHEMA_PATH.name}: {errs[0]}{more}")
    return ir


def _json_path(parts) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def trigger_kind(trigger: str) -> str | None:
    words = re.sub(r"\s+", " ", trigger.lower())
    for kind, keys, _ in TRIGGERS:
        if any(re.search(r"\b" + re.escape(k), words) for k in keys):
            return kind
    return None


def trigger_messages(trigger: str) -> tuple | None:
    kind = trigger_kind(trigger)
    return next((msgs for k, _, msgs in TRIGGERS if k == kind), None)


def dumps(ir: dict) -> str:
    """The canonical text of an IR in prompts and references (keys in the order given)."""
    return json.dumps(ir, indent=2, ensure_ascii=False)
