"""The spec facts a free request states, in the spec shape validate.py checks (classes, widgets, fields,
callbacks, routes), read from the names the request writes out:
* classes: CamelCase names the shipped symbol table does not know (NoteCard), and a capitalised name
  followed by its fields in brackets ("one Book (title (String), ...)") or inside List<...>;
* widgets: names the symbol table knows (Card, ListTile, ThemeData), except Dart types and the
  non-widget helpers in NOT_WIDGETS;
* callbacks: on* names (onTap, onPressed), a `_name` called a method or run/called, and the builder
  words (builder, itemBuilder, validator, initState);
* fields: a `name` or _name called a field, a GlobalKey's or a Future's _name;
* routes: quoted strings starting with '/'.
Not read: names in words only ("a button"), a field list the request describes without naming.
"""
from __future__ import annotations

import re

from domains.flutter import symbols
from domains.verdict import Fact

KEYS = ("classes", "widgets", "fields", "callbacks", "routes")
NOT_WIDGETS = {"Icons", "Colors", "GlobalKey", "FormState", "InputBorder", "Navigator", "ModalRoute",
               "ValueChanged", "VoidCallback", "StatelessWidget", "StatefulWidget", "ChangeNotifier", "State",
               "BuildContext", "Widget", "Key", "TextEditingController", "Provider"}
BUILDERS = ("builder", "itemBuilder", "validator", "initState", "dispose")
_IDENT = re.compile(r"(?<![\w.'\"/])([A-Za-z_]\w*)")


def request_spec(text: str) -> dict:
    spec = {k: [] for k in KEYS}
    for m in _IDENT.finditer(text):
        name = m.group(1)
        after, before = text[m.end():m.end() + 30], text[max(0, m.start() - 30):m.start()]
        if name[0].isupper():
            known = symbols.library_of(name) is not None or name in symbols.CORE
            camel = sum(c.isupper() for c in name) > 1
            model = re.match(r"\s*\(\s*[a-z]\w*\s*\(", after) or before.endswith("List<")
            if not known and (camel or model):
                spec["classes"].append(name)
            elif known and name not in symbols.CORE and name not in NOT_WIDGETS and library_of_flutter(name):
                spec["widgets"].append(name)
        elif re.fullmatch(r"on[A-Z]\w*", name) or name in BUILDERS or \
                (name.startswith("_") and (re.match(r"\s*(and \w+ )?methods?\b", after) or re.search(r"\b(runs|calls)\s*$", before))):
            spec["callbacks"].append(name)
        elif (name.startswith("_") or before.endswith("`")) and re.match(r"`?\s*(\(|field|in\b)", after) \
                or re.search(r"(GlobalKey<\w+>|Future<[\w<>]+>|private \w+)\s*$", before):
            spec["fields"].append(name)
    spec["routes"] = re.findall(r"""['"](/[\w/\-]*)['"]""", text)
    return {k: list(dict.fromkeys(v)) for k, v in spec.items() if v}


def library_of_flutter(name: str) -> bool:
    lib = symbols.library_of(name)
    return bool(lib) and lib.startswith("package:")


def facts(spec: dict) -> list[tuple[Fact, dict]]:
    """Each name of a spec with the one-name spec that checks it."""
    return [(Fact((key, name), f"{key[:-1] if key != 'classes' else 'class'} {name}"), {key: [name]})
            for key in KEYS for name in spec.get(key, [])]


def stated(spec: dict, text: str) -> dict:
    """The part of an item's spec its request writes out (each name as a whole word)."""
    return {k: [n for n in v if re.search(rf"(?<![\w]){re.escape(n)}(?!\w)", text)] for k, v in spec.items()}
