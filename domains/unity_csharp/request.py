"""The facts a free Unity request states, in the shape of validate.stated_facts (class name, components,
field names, trigger kinds), and the check of each against an answer with meets.py's own readers.

Read: an IR after `BEHAVIOR SPECIFICATION:` (all its facts); a C# script in the message (its
MonoBehaviour class, fields, fetched components, the trigger kinds of its Unity messages: a repair keeps
them); else prose: the class ("Class X", "called X", a CamelCase name no component has), fields
("Fields: speed (float, 5), target (Transform)", "a float field speed"), components (COMPONENTS named
after uses/requires/needs/with), triggers (ir.trigger_kind on each "Behaviour:" clause, else on the
clauses that say when). Not read: actions, field types and defaults, anything said only in other words.
"""
from __future__ import annotations

import re

from domains.unity_csharp import ir as irmod, syntax
from domains.unity_csharp.meets import _fetched, _fields, _methods, _timer_met, find_classes
from domains.verdict import Fact

COMPONENTS = ("Rigidbody2D", "Rigidbody", "AudioSource", "Animator", "CharacterController", "BoxCollider2D",
              "BoxCollider", "SphereCollider", "CapsuleCollider", "Collider2D", "Collider", "SpriteRenderer",
              "MeshRenderer", "Renderer", "LineRenderer", "TrailRenderer", "ParticleSystem", "Light", "Camera",
              "Image", "Text", "Slider", "Button", "NavMeshAgent", "CanvasGroup")
_CLASS = re.compile(r"\b(?:[Cc]lass|called|named)\s+`?([A-Z]\w*)")
_CAMEL = re.compile(r"\b([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b")
_FIELD = re.compile(r"\b([a-z_]\w*)\s*\((?:[A-Z]\w*|int|float|bool|string|double)\b[^)]*\)")
_FIELD_WORDS = re.compile(r"\b(?:int|float|bool|string|double|[A-Z]\w*)\s+field\s+`?([a-z_]\w*)")
_USES = re.compile(r"\b(?:uses?|requires?|needs?|with an?|using an?)\s+(?:an?\s+)?((?:[A-Z]\w*(?:,\s*|\s+and\s+)?)+)")


def request_facts_of(text: str) -> dict:
    """{"class_name"?, "components", "fields", "triggers"} the request states."""
    from domains.unity_csharp.extract import extract_cs
    from domains.unity_csharp.open import HEADER, prompt_ir
    from domains.unity_csharp.validate import stated_facts

    ir = prompt_ir(text) if HEADER in text else None
    if ir is not None:
        return stated_facts(ir)
    code = extract_cs(text) if re.search(r"```(csharp|cs|c#)|:\s*MonoBehaviour", text, re.I) else None
    if code:
        return _script_facts(code)
    out: dict = {"components": [], "fields": [], "triggers": []}
    named = _CLASS.search(text) or next((m for m in _CAMEL.finditer(text) if m.group(1) not in COMPONENTS
                                         and m.group(1) != "MonoBehaviour"), None)
    if named:
        out["class_name"] = named.group(1)
    out["fields"] = sorted({m.group(1) for rx in (_FIELD, _FIELD_WORDS) for m in rx.finditer(text)})
    out["components"] = sorted({c for m in _USES.finditer(text) for c in re.findall(r"[A-Z]\w*", m.group(1))
                                if c in COMPONENTS})
    behaviour = text.split("Behaviour:", 1)
    clauses = [c.split(":", 1)[0] for c in re.split(r"[;.]", behaviour[1])] if len(behaviour) > 1 else \
        [c for c in re.split(r"[;.\n]", text) if re.search(r"\b(when|every|each|on|after|whenever|while)\b", c, re.I)]
    out["triggers"] = sorted({k for k in map(irmod.trigger_kind, clauses) if k})
    return out


def _script_facts(code: str) -> dict:
    classes = find_classes(syntax.parse(code))
    name, cls = next(((n, c) for n, c in classes.items() if "MonoBehaviour" in syntax.text(c)[:300]),
                     (None, None))
    if cls is None:
        return {"components": [], "fields": [], "triggers": []}
    methods = _methods(cls)
    kinds = {k for k, _, msgs in irmod.TRIGGERS if any(m in methods for m in msgs)}
    if _timer_met(cls, methods):
        kinds.add("timer")
    return {"class_name": name, "components": sorted(_fetched(cls)), "fields": sorted(_fields(cls)),
            "triggers": sorted(kinds)}


def facts(stated: dict) -> list[Fact]:
    out = [Fact(("class", stated["class_name"]), f"class {stated['class_name']}")] if stated.get("class_name") else []
    for key, kind in (("components", "component"), ("fields", "field"), ("triggers", "trigger")):
        out += [Fact((kind, x), f"{kind} {x}") for x in stated.get(key, [])]
    return out


def missed_in_code(fs: list[Fact], code: str) -> list[Fact]:
    """The facts a C# answer does not meet: the class (deriving MonoBehaviour), a field declared in it,
    a component fetched or required, a trigger kind implemented by one of its Unity messages."""
    classes = find_classes(syntax.parse(code))
    want = next((f.key[1] for f in fs if f.key[0] == "class"), None)
    cls = classes.get(want) if want else next(
        (c for c in classes.values() if re.search(r":\s*([\w.]*\.)?MonoBehaviour\b", syntax.text(c)[:300])), None)
    if cls is None:
        return list(fs)
    methods, fields, fetched = _methods(cls), _fields(cls), _fetched(cls)
    messages = {k: msgs for k, _, msgs in irmod.TRIGGERS}

    def met(f: Fact) -> bool:
        kind, x = f.key
        if kind == "class":
            return re.search(r":\s*([\w.]*\.)?MonoBehaviour\b", syntax.text(cls)[:300]) is not None
        if kind == "field":
            return x in fields
        if kind == "component":
            return x in fetched
        return _timer_met(cls, methods) if x == "timer" else any(m in methods for m in messages.get(x, ()))
    return [f for f in fs if not met(f)]
