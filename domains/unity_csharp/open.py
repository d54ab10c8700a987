"""Free answers (make chat, make serve): the Unity validator's verdict where no gold answer exists.

The family is read from the last user message, as the domain's own prompts shape it:
* `BEHAVIOR SPECIFICATION:` followed by an IR (the seed's format) -> ir_to_cs, checked against that IR
  when it is a valid one (all four levels, as in the eval);
* `Description: ...` -> nl_to_ir: the answer must be a valid IR (extracts, parses, schema); meets_facts
  holds when the facts the description states (request.py) are all in the answer's IR;
* a message carrying C# code (a ```csharp block, or a `class ... : MonoBehaviour` line) -> cs_repair: the
  answer is a unified diff of that script (applied) or the whole fixed script;
* anything else -> a free request for a script.
Without an IR, the validator's meets_ir checks only a class deriving from MonoBehaviour; then each fact
the request states (request.py: class, fields, components, trigger kinds) is checked on the answer
(domains/verdict.py), and meets_ir/meets_facts hold only when facts were read and all are met. What it
does not check: that the actions in words are carried out.
"""
from __future__ import annotations

import re

from domains.base import Result
from domains.patch import PatchError, extract_diff, patch_text
from domains.unity_csharp import ir as irmod, request, syntax, validate as v
from domains.unity_csharp.extract import extract_cs, extract_json
from domains.unity_csharp.meets import find_classes
from domains.verdict import last_user, with_facts

HEADER = "BEHAVIOR SPECIFICATION:"
_SCRIPT_IN_PROMPT = re.compile(r"```(csharp|cs|c#)\s*\n|^\s*(public\s+)?class\s+\w+\s*:\s*MonoBehaviour", re.M | re.I)


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
    return irmod.normalise_ir(obj) if isinstance(obj, dict) and not irmod.ir_errors(obj) else None


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
    stated = request.facts(request.request_facts_of(user))
    if family == "nl_to_ir":
        res, note = v.validate_ir({}, completion), "a valid IR"
        missed = [f for f in stated if not v.validate_ir(_one(f), completion).passed] \
            if res.levels.get("schema") else None
        level = "meets_facts"
    elif family == "cs_repair":
        broken = extract_cs(user) or ""
        res = v.validate_repair(broken, free_ir(broken), completion)
        note = "repair of the script in the prompt"
        missed = _missed(stated, _fixed(broken, completion)) if res.levels.get("compiles") else None
        level = "meets_ir"
    else:
        ir = prompt_ir(user)
        res = v.validate_cs(ir or free_ir(extract_cs(completion or "")), completion)
        res.metrics["ir_from_prompt"] = int(ir is not None)
        note = "against the IR in the prompt" if ir else "no IR in the prompt"
        missed = _missed(stated, extract_cs(completion or "")) if res.levels.get("compiles") else None
        level = "meets_ir"
    res = with_facts(res, level, stated, missed)
    if res.passed:
        res.detail = f"{family}: {note}"
    return res


def _one(f) -> dict:
    kind, x = f.key
    return {"class_name": x} if kind == "class" else {f"{kind}s": [x]}


def _missed(stated, code):
    return list(stated) if code is None else request.missed_in_code(stated, code)


def _fixed(broken: str, completion: str) -> str | None:
    """The script a repair answer leaves (its diff applied, else its whole script)."""
    diff = extract_diff(completion or "")
    if diff is None:
        return extract_cs(completion or "")
    try:
        return patch_text(broken, diff)
    except PatchError:
        return None
