"""The Unity scripts' API policy: no file, network, process, reflection, threading or native access.

`forbidden_uses(tree)` reads every name on the syntax tree as the C# compiler resolves it, then checks it
against FORBIDDEN (namespaces, checked on whole dotted segments) and FORBIDDEN_MEMBERS:
* spelling: comments and whitespace inside a name are dropped, `@` verbatim prefixes and `\\uXXXX`
  escapes resolved, `global::` removed and `alias::` read as `alias.`;
* aliases: `using F = System.IO.File;` is itself a use of System.IO; `using S = System;` makes `S.IO.File`
  read as `System.IO.File` (the first segment of every name is replaced by its alias's target);
* namespaces: a script that declares a namespace inside `System` or `Microsoft` (where `IO.File` resolves
  to `System.IO.File`) is refused as such;
* attributes: `[DllImport]` and `[DllImportAttribute]` are the same attribute;
* reflection reached without naming System.Reflection (`Type.GetType("...").GetMethod(...)`,
  `Activator.CreateInstance`, `.Assembly`): the member names in FORBIDDEN_MEMBERS are refused wherever
  they appear in a member access.
What it does not check: names built at run time in ways other than these (scripts are compiled, never run,
so this guards the score, not the machine: a refused script is `wrong_answer`).
"""
from __future__ import annotations

import re

from domains.unity_csharp import syntax

FORBIDDEN = ("System.IO", "System.Net", "System.Diagnostics", "System.Reflection", "System.Threading",
             "System.Runtime.InteropServices", "DllImport", "Microsoft.Win32")
FORBIDDEN_MEMBERS = ("GetMethod", "GetMethods", "GetField", "GetProperty", "InvokeMember", "CreateInstance",
                     "Assembly", "AppDomain")
ROOTS = ("System", "Microsoft")            # a namespace declared inside these resolves their names relatively
_NAMES = ("qualified_name", "member_access_expression", "attribute", "alias_qualified_name", "identifier")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})")
_ALIAS = re.compile(r"^\s*(?:global\s+)?using\s+(@?\w+)\s*=\s*([^;]+);", re.S)
_CHAIN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def plain_name(text: str) -> str:
    """The dotted name at the start of `text` as the compiler reads it (module docstring), or ''."""
    t = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)
    t = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), re.sub(r"\s+", "", t))
    t = t.replace("@", "")
    t = t[len("global::"):] if t.startswith("global::") else t
    m = _CHAIN.match(t.replace("::", "."))
    return m.group(0) if m else ""


def _aliases(tree) -> dict:
    out = {}
    for n in syntax.walk(tree.root_node):
        if n.type == "using_directive":
            m = _ALIAS.match(re.sub(r"/\*.*?\*/|//[^\n]*", "", syntax.text(n), flags=re.S))
            if m:
                out[plain_name(m.group(1))] = plain_name(m.group(2))
    return out


def _resolve(name: str, aliases: dict) -> str:
    head, _, rest = name.partition(".")
    return aliases[head] + (f".{rest}" if rest else "") if head in aliases else name


def _hits(name: str, attribute: bool) -> set:
    if attribute and name.endswith("Attribute"):
        name = name[:-len("Attribute")]
    found = {f for f in FORBIDDEN if name == f or name.startswith(f + ".")}
    parts = name.split(".")
    found |= {m for m in FORBIDDEN_MEMBERS if m in parts[1:]}
    return found


def forbidden_uses(tree) -> list[str]:
    """Forbidden namespaces, attributes and members the script names (module docstring), sorted."""
    aliases = _aliases(tree)
    found = set()
    for n in syntax.walk(tree.root_node):
        if n.type in ("namespace_declaration", "file_scoped_namespace_declaration"):
            name = plain_name(syntax.text(n.child_by_field_name("name") or n)[:200])
            if name.split(".")[0] in ROOTS:
                found.add(f"namespace {name}")
        elif n.type in _NAMES:
            if n.type == "identifier" and n.parent is not None and n.parent.type in _NAMES:
                continue   # part of a longer name, read with it
            name = _resolve(plain_name(syntax.text(n)[:300]), aliases)
            found |= _hits(name, n.type == "attribute")
            member = n.child_by_field_name("name") if n.type == "member_access_expression" else None
            if member is not None and plain_name(syntax.text(member)) in FORBIDDEN_MEMBERS:
                found.add(plain_name(syntax.text(member)))   # after a call: GetType("...").GetMethod
    return sorted(found)
