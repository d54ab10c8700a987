"""The spec facts a free request states, in the spec shape validate.py checks (classes, widgets, fields,
callbacks, routes), read from the names the request writes out:
* classes: CamelCase names the shipped symbol table does not know (NoteCard), a capitalised name
  followed by its fields in brackets ("one Book (title (String), ...)"), inside List<...>, or unknown
  and mid-sentence ("with the Room as argument");
* widgets: names the symbol table knows (Card, ListTile, ThemeData; plurals too), except Dart types
  and the non-widget helpers in NOT_WIDGETS;
* callbacks: Flutter's on* arguments (onTap, onPressed), names called methods ("add and remove
  methods"), a `_name` run/called, and the builder words (builder, itemBuilder, validator, initState);
* fields: a `name` or _name called a field, a GlobalKey's, Future's or private _name, an on* name that
  is not a Flutter argument (onSubmit) or that the widget takes as a callback ("an optional onTap callback");
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
FLUTTER_CALLBACKS = {"onTap", "onPressed", "onChanged", "onLongPress", "onSaved", "onFieldSubmitted", "onSubmitted",
                     "onDismissed", "onRefresh", "onDoubleTap"}
NOT_CLASSES = {"Flutter", "Dart", "Material", "Android", "iOS", "Include", "JSON", "Cupertino"}
_IDENT = re.compile(r"(?<![\w.'\"/])([A-Za-z_]\w*)")


def request_spec(text: str) -> dict:
    spec = {k: [] for k in KEYS}
    for m in _IDENT.finditer(text):
        name = m.group(1)
        after, before = text[m.end():m.end() + 30], text[max(0, m.start() - 30):m.start()]
        if name[0].isupper():
            kind = _capitalised(name, after, before)
            if kind:
                spec[kind].append(name.rstrip("s") if kind == "widgets" and not _known(name) else name)
        elif re.fullmatch(r"on[A-Z]\w*", name):
            passed = re.match(r"\s*(callback|\((ValueChanged|VoidCallback))", after)
            spec["callbacks" if name in FLUTTER_CALLBACKS else "fields"].append(name)
            if passed and name in FLUTTER_CALLBACKS:
                spec["fields"].append(name)   # a callback the widget takes is also its field
        elif name in BUILDERS or re.match(r"\s*(and \w+ )?methods?\b", after) or \
                re.search(r"\b\w+ and\s*$", before) and re.match(r"\s*methods?\b", after) or \
                (name.startswith("_") and re.search(r"\b(runs|calls)\s*$", before)):
            spec["callbacks"].append(name)
        elif (name.startswith("_") or before.endswith("`")) and re.match(r"`?\s*(\(|field|in\b)", after) \
                or name.startswith("_") and re.search(r"(GlobalKey<\w+>|Future<[\w<>]+>|private \w+)\s*$", before):
            spec["fields"].append(name)
    spec["routes"] = re.findall(r"""['"](/[\w/\-]*)['"]""", text)
    return {k: list(dict.fromkeys(v)) for k, v in spec.items() if v}


def _known(name: str) -> bool:
    return symbols.library_of(name) is not None or name in symbols.CORE


def _capitalised(name: str, after: str, before: str) -> str | None:
    """"classes", "widgets" or None for a capitalised name: a known Flutter name (or its plural) is a
    widget; an unknown CamelCase name, a model written with its fields in brackets, inside List<...>,
    or an unknown name mid-sentence is a class."""
    if _known(name) or (name.endswith("s") and _known(name[:-1])):
        plain = name if _known(name) else name[:-1]
        ok = plain not in symbols.CORE and plain not in NOT_WIDGETS and library_of_flutter(plain)
        return "widgets" if ok else None
    camel = sum(c.isupper() for c in name) > 1
    model = re.match(r"\s*\(\s*[a-z]\w*\s*\(", after) or before.endswith("List<")
    mid_sentence = re.search(r"[a-z,]\s+$", before) and name not in NOT_CLASSES
    return "classes" if camel or model or mid_sentence else None


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
