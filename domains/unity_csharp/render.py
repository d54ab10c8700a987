"""Sample one behaviour archetype (catalogue.py) into an IR and render its reference C#.

An archetype names its fields by key ($key in code and action words), each with alternative names and
default choices; its behaviours give a trigger in words, actions in words and the code lines of the
Unity message that implements them. Rendering follows the style of Unity's own manual: `using
UnityEngine;`, serialised private fields (or public ones), components fetched once in Awake with a null
check (optionally also [RequireComponent]), one method per message. Deterministic for a given rng.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from string import Template

# component type -> the private field that holds it
COMPONENT_VARS = {"Rigidbody": "body", "Rigidbody2D": "body2D", "AudioSource": "audioSource", "Animator": "animator",
                  "CanvasGroup": "canvasGroup", "Light": "lightSource", "Text": "label", "Image": "image",
                  "Renderer": "rend", "ParticleSystem": "particles", "Collider": "col", "Camera": "cam",
                  "CharacterController": "controller", "SpriteRenderer": "spriteRenderer"}
UI_TYPES = {"Text", "Image", "Button", "Slider"}


@dataclass
class F:                      # a field: key, alternative names, C# type, default choices
    key: str
    names: tuple
    type: str
    defaults: tuple = (None,)


@dataclass
class B:                      # a behaviour: name, trigger choices, action words, method -> code lines
    name: str
    triggers: tuple
    actions: tuple
    code: dict


@dataclass
class Archetype:
    kind: str
    stems: tuple              # class-name stems; prefixes are added for variety
    fields: tuple
    behaviors: tuple
    components: tuple = ()
    members: tuple = ()       # extra private members (code lines, $keys allowed)
    usings: tuple = ()
    desc: str = ""            # one-line description, $keys allowed
    prefixes: tuple = ("", "Simple", "Basic", "Game", "Level", "My")
    name: str = field(default="")


def _literal(ftype: str, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        ctor = "Color" if ftype == "Color" else ftype
        return f"new {ctor}({', '.join(_num('float', v) for v in value)})"
    if isinstance(value, str):
        return f'"{value}"' if ftype == "string" else f"{ftype}.{value}"
    return _num(ftype, value)


def _num(ftype: str, v) -> str:
    if ftype == "int":
        return str(int(v))
    text = repr(float(v)).rstrip("0").rstrip(".") if float(v) != int(v) else str(int(v))
    return f"{text}f"


def sample(arch: Archetype, rng: random.Random) -> tuple[dict, str, str]:
    """(ir, reference C#, one-line description) for one draw of the archetype."""
    cls = rng.choice(arch.prefixes) + rng.choice(arch.stems)
    names = {f.key: rng.choice(f.names) for f in arch.fields}
    subst = {**names, **{c: v for c, v in COMPONENT_VARS.items()}, "Class": cls}
    defaults = {f.key: rng.choice(f.defaults) for f in arch.fields}
    for f in arch.fields:
        subst[f"{f.key}_value"] = "" if defaults[f.key] is None else str(defaults[f.key])
    fields = [dict(name=names[f.key], type=f.type, default=defaults[f.key]) for f in arch.fields]
    behaviors = [dict(name=b.name, trigger=Template(rng.choice(b.triggers)).safe_substitute(subst),
                      actions=[Template(a).safe_substitute(subst) for a in b.actions]) for b in arch.behaviors]
    ir = {"class_name": cls, "components": list(arch.components), "fields": fields, "behaviors": behaviors}
    code = render(arch, ir, subst, rng)
    desc = Template(arch.desc).safe_substitute(subst)
    return ir, code, desc


def render(arch: Archetype, ir: dict, subst: dict, rng: random.Random) -> str:
    public = rng.random() < 0.3
    require = rng.random() < 0.5
    header = rng.random() < 0.5
    usings = ["using UnityEngine;", *arch.usings]
    if any(c in UI_TYPES for c in arch.components):
        usings.append("using UnityEngine.UI;")
    if any("IEnumerator" in m for b in arch.behaviors for m in b.code):
        usings.insert(0, "using System.Collections;")
    lines = [*dict.fromkeys(usings), ""]
    lines += [f"[RequireComponent(typeof({c}))]" for c in ir["components"] if require]
    lines += [f"public class {ir['class_name']} : MonoBehaviour", "{"]
    if header and ir["fields"]:
        lines.append('    [Header("Settings")]')
    for f in ir["fields"]:
        init = _literal(f["type"], f["default"])
        decl = "public" if public else "[SerializeField] private"
        lines.append(f"    {decl} {f['type']} {f['name']}{'' if init is None else ' = ' + init};")
    lines += [f"    private {c} {COMPONENT_VARS[c]};" for c in ir["components"]]
    lines += [f"    {Template(m).substitute(subst)}" for m in arch.members]
    methods = _methods(arch, ir, subst)
    for sig, body in methods.items():
        lines += ["", f"    {sig}", "    {", *[f"        {ln}" for ln in body], "    }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _methods(arch: Archetype, ir: dict, subst: dict) -> dict:
    methods: dict = {}
    if ir["components"]:
        awake = methods.setdefault("void Awake()", [])
        for c in ir["components"]:
            var = COMPONENT_VARS[c]
            awake += [f"{var} = GetComponent<{c}>();",
                      f'if ({var} == null) Debug.LogError("{ir["class_name"]} needs a {c} component.");']
    for b in arch.behaviors:
        for sig, body in b.code.items():
            methods.setdefault(sig, []).extend(Template(ln).substitute(subst) for ln in body)
    return methods
