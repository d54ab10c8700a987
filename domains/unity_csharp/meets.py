"""meets_ir: does a parsed C# script implement its IR? Checked on tree-sitter's syntax tree, not by regex.

Checked, each miss named in the returned list:
* a class named `class_name` that derives from MonoBehaviour (plain or qualified base);
* every IR field declared in that class (a field given by name only, as an item's `expect` may, is
  checked for that and nothing more), with a compatible type (`float` = `System.Single`,
  `UnityEngine.Vector3` = `Vector3`), public or [SerializeField], and initialised to its IR default:
  numbers by value (`5` = `5f` = `5.0f`), bools, strings, enum names (`"Space"` = `KeyCode.Space`),
  vectors/colours as `new T(...)` (or `.zero`/`.one`); a `null` or absent default is not checked;
* every behaviour's trigger implemented by a matching Unity message (ir.TRIGGERS: every frame -> Update,
  physics -> FixedUpdate, touch -> OnTriggerEnter/OnCollisionEnter (2D too), starts -> Start/Awake,
  timers -> a coroutine (a method returning IEnumerator) or Invoke/InvokeRepeating);
* every listed component fetched (GetComponent<T>, TryGetComponent<T>, GetComponent(typeof(T)), ...)
  or required ([RequireComponent(typeof(T))]).
Not checked: that the actions in words are carried out, triggers ir.py cannot classify (counted in
`unmapped`), message signatures (the compiler sees those only partly).
"""
from __future__ import annotations

import re

from domains.unity_csharp import ir as irmod
from domains.unity_csharp.syntax import text, walk

_ALIASES = {"single": "float", "int32": "int", "boolean": "bool", "double": "double", "string": "string"}
_FETCH = {"GetComponent", "TryGetComponent", "GetComponentInChildren", "GetComponentInParent", "AddComponent"}


def _norm_type(t: str) -> str:
    t = re.sub(r"\s+", "", t)
    t = re.sub(r"^(global::)?(UnityEngine\.UI\.|UnityEngine\.Events\.|UnityEngine\.|System\.)", "", t)
    return _ALIASES.get(t.lower(), t)


def find_classes(tree) -> dict:
    return {text(n.child_by_field_name("name")): n for n in walk(tree.root_node) if n.type == "class_declaration"}


def _base_names(cls) -> list[str]:
    base = next((c for c in cls.children if c.type == "base_list"), None)
    return [text(c).split(".")[-1] for c in base.named_children] if base else []


def _fields(cls) -> dict:
    """name -> (type text, initializer node or None, exposed: public or [SerializeField])."""
    body = cls.child_by_field_name("body")
    out = {}
    for fd in (c for c in (body.named_children if body else []) if c.type == "field_declaration"):
        mods = {text(m) for m in fd.children if m.type == "modifier"}
        attrs = {text(a.child_by_field_name("name") or a).split(".")[-1] for al in fd.children
                 if al.type == "attribute_list" for a in al.named_children if a.type == "attribute"}
        exposed = "public" in mods or bool(attrs & {"SerializeField", "SerializeFieldAttribute"})
        decl = next(c for c in fd.named_children if c.type == "variable_declaration")
        ftype = text(decl.child_by_field_name("type"))
        for vd in (c for c in decl.named_children if c.type == "variable_declarator"):
            init = [c for c in vd.named_children if c != vd.child_by_field_name("name")]
            out[text(vd.child_by_field_name("name"))] = (ftype, init[-1] if init else None, exposed)
    return out


def _number(node) -> float | None:
    t = text(node).replace(" ", "").rstrip("fFdDmM")
    try:
        return float(t)
    except ValueError:
        return None


def default_matches(ftype: str, default, init) -> bool:
    if default is None:
        return init is None or text(init) == "null"
    if init is None:
        return False
    if isinstance(default, bool):
        return text(init) == ("true" if default else "false")
    if isinstance(default, (int, float)):
        return _number(init) is not None and abs(_number(init) - float(default)) < 1e-6
    if isinstance(default, str):
        if init.type == "string_literal":
            return text(init)[1:-1] == default
        return text(init) == default or text(init).endswith("." + default)
    return _vector_matches(default, init)


def _vector_matches(values: list, init) -> bool:
    if init.type == "member_access_expression":
        name = text(init).split(".")[-1]
        return (name == "zero" and not any(values)) or (name == "one" and all(v == 1 for v in values))
    if init.type != "object_creation_expression":
        return False
    args = init.child_by_field_name("arguments")
    nums = [_number(a) for a in (args.named_children if args else [])]
    return len(nums) == len(values) and all(n is not None and abs(n - v) < 1e-6 for n, v in zip(nums, values))


def _methods(cls) -> dict:
    body = cls.child_by_field_name("body")
    return {text(m.child_by_field_name("name")): text(m.child_by_field_name("returns") or m)
            for m in (body.named_children if body else []) if m.type == "method_declaration"}


def _fetched(cls) -> set[str]:
    """Component types the class fetches or requires."""
    got = set()
    for n in walk(cls):
        if n.type == "generic_name" and text(n.named_children[0]) in _FETCH:
            got |= {_norm_type(text(a)) for a in n.named_children[1].named_children}
        elif n.type == "typeof_expression":
            p = n.parent
            while p is not None and p.type not in ("attribute", "invocation_expression"):
                p = p.parent
            if p is not None and re.search(r"(RequireComponent|GetComponent\w*|AddComponent)\s*\(?", text(p)[:60]):
                got.add(_norm_type(text(n.named_children[0])))
    return got


def _timer_met(cls, methods: dict) -> bool:
    if any(_norm_type(r).startswith("IEnumerator") for r in methods.values()):
        return True
    return any(n.type == "invocation_expression" and text(n.child_by_field_name("function")).split(".")[-1]
               in ("Invoke", "InvokeRepeating") for n in walk(cls))


def meets_ir(tree, ir: dict) -> tuple[list[str], dict]:
    """(misses, metrics): every way the script falls short of the IR, and {"unmapped": n}."""
    classes = find_classes(tree)
    cls = classes.get(ir["class_name"])
    if cls is None:
        return [f"no class {ir['class_name']!r} (found {sorted(classes) or 'none'})"], {}
    misses = []
    if "MonoBehaviour" not in _base_names(cls):
        misses.append(f"class {ir['class_name']} does not derive from MonoBehaviour")
    misses += _field_misses(_fields(cls), ir.get("fields", []))
    methods, unmapped = _methods(cls), 0
    for b in ir.get("behaviors", []):
        msgs = irmod.trigger_messages(b["trigger"])
        if msgs is None:
            unmapped += 1
        elif msgs == ("<timer>",):
            if not _timer_met(cls, methods):
                misses.append(f"behaviour {b['name']!r} ({b['trigger']}): no coroutine and no Invoke/InvokeRepeating")
        elif not any(m in methods for m in msgs):
            misses.append(f"behaviour {b['name']!r} ({b['trigger']}): none of {', '.join(msgs)} is declared")
    fetched = _fetched(cls)
    misses += [f"component {c} is neither fetched (GetComponent<{c}>) nor required ([RequireComponent])"
               for c in ir.get("components", []) if _norm_type(c) not in fetched]
    return misses, {"unmapped": unmapped}


def _field_misses(declared: dict, fields: list) -> list[str]:
    misses = []
    for f in fields:
        got = declared.get(f["name"])
        if got is None:
            misses.append(f"field {f['name']!r} is not declared")
            continue
        ftype, init, exposed = got
        if "type" not in f:   # a field a plain request names without a type (an item's `expect`): declared is enough
            continue
        if _norm_type(ftype) != _norm_type(f["type"]):
            misses.append(f"field {f['name']!r} has type {ftype}, the IR says {f['type']}")
        if not exposed:
            misses.append(f"field {f['name']!r} is neither public nor [SerializeField]")
        if "default" in f and not default_matches(f["type"], f["default"], init):
            misses.append(f"field {f['name']!r} is initialised to {text(init) if init else 'nothing'}, "
                          f"the IR default is {f['default']!r}")
    return misses
