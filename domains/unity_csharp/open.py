"""Free answers (make chat, make serve): the Unity validator's verdict where no gold answer exists.

The family is read from the last user message, as the domain's own prompts shape it:
* `BEHAVIOR SPECIFICATION:` followed by an IR (the seed's format) -> ir_to_cs, checked against that IR
  when it is a valid one (all four levels, as in the eval);
* `Description: ...` -> nl_to_ir: the answer must be a valid IR (extracts, parses, schema); meets_facts
  holds trivially, since a free description's facts are not known;
* a message carrying C# code (a ```csharp block, or a `class ... : MonoBehaviour` line) -> cs_repair: the
  answer is a unified diff of that script (applied) or the whole fixed script;
* anything else -> a free request for a script.
Without an IR, meets_ir checks only what every answer must do: a class deriving from MonoBehaviour (the
answer's own class name is taken). What it does not check: that the answer does what the user asked.
"""
from __future__ import annotations

import re

from domains.base import Result
from domains.unity_csharp import ir as irmod, syntax, validate as v
from domains.unity_csharp.extract import extract_cs, extract_json
from domains.unity_csharp.meets import find_classes

HEADER = "BEHAVIOR SPECIFICATION:"
_SCRIPT_IN_PROMPT = re.compile(r"```(csharp|cs|c#)\s*\n|^\s*(public\s+)?class\s+\w+\s*:\s*MonoBehaviour", re.M | re.I)


def last_user(messages: list[dict]) -> str:
    return next((str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), "")


def family_of(user: str) -> str:
    if HEADER in user:
        return "ir_to_cs"
    if user.lstrip().lower().startswith("description:"):
        return "nl_to_ir"
    return "cs_repair" if _SCRIPT_IN_PROMPT.search(user) else "ir_to_cs"


def prompt_ir(user: str) -> dict | None:
    """The valid IR after the specification header, or None."""
    if HEADER not in user:
        return None
    obj = extract_json(user.split(HEADER, 1)[1])
    return obj if isinstance(obj, dict) and not irmod.ir_errors(obj) else None


def free_ir(code: str | None) -> dict:
    """An IR that asks only for a MonoBehaviour class: the first such class in the code (else its first
    class, else a name no class has, so meets_ir names the miss)."""
    classes = find_classes(syntax.parse(code)) if code else {}
    mono = [name for name, node in classes.items() if re.search(r":\s*([\w.]*\.)?MonoBehaviour\b", syntax.text(node))]
    name = (mono or list(classes) or ["<no class>"])[0]
    return {"class_name": name, "components": [], "fields": [], "behaviors": []}


def validate_open(messages: list[dict], completion: str) -> Result:
    user = last_user(messages)
    family = family_of(user)
    if family == "nl_to_ir":
        res, note = v.validate_ir({}, completion), "a valid IR; the description's facts are not checked"
    elif family == "cs_repair":
        broken = extract_cs(user) or ""
        res = v.validate_repair(broken, free_ir(broken), completion)
        note = "repair of the script in the prompt; no IR: class and MonoBehaviour checked only"
    else:
        ir = prompt_ir(user)
        res = v.validate_cs(ir or free_ir(extract_cs(completion or "")), completion)
        res.metrics["ir_from_prompt"] = int(ir is not None)
        note = "against the IR in the prompt" if ir else "no IR in the prompt: class and MonoBehaviour checked only"
    if res.passed:
        res.detail = f"{family}: {note}"
    return res
