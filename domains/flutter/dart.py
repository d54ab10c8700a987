"""Dart through tree-sitter's Dart grammar (pip tree-sitter-dart, pinned in env/cpu.lock): parse, and read
the facts the `flutter` and `meets_spec` levels check off the syntax tree.

`parse(code)` returns the tree or raises ToolMissing when the grammar is absent (never a pass);
`syntax_errors(tree)` lists ERROR and MISSING nodes with their line; `facts(tree)` reads imports,
classes (name, superclass, type argument, methods with their parameter types), declared names, the
capitalised names referred to (types, constructors, static holders like `Colors`; member names after
a `.` are not references), field names, named-argument labels and string literals.
What it does not do: resolve types or members, or know anything a compiler knows (no Dart SDK here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from domains.treesitter import available as ts_available
from domains.treesitter import load_parser, syntax_errors, text, walk  # noqa: F401 (the module's API)

INSTALL_HINT = "pip install tree-sitter tree-sitter-dart (pinned in env/cpu.lock)"
# node types whose `identifier` child is a name being declared
_DECLARES = {"class_definition", "enum_declaration", "enum_constant", "mixin_declaration", "extension_declaration",
             "type_alias", "type_parameter"}
_MEMBER = {"unconditional_assignable_selector", "conditional_assignable_selector", "label"}


@lru_cache(maxsize=1)
def _parser():
    return load_parser("tree_sitter_dart", "Dart", INSTALL_HINT)


def available() -> tuple[bool, str]:
    return ts_available(_parser, "tree-sitter-dart")


def parse(code: str):
    return _parser().parse(code.encode("utf-8"))


@dataclass
class DartClass:
    name: str
    line: int
    superclass: str = ""
    type_argument: str = ""          # State<X>: X
    methods: dict = field(default_factory=dict)   # name -> [parameter type names]


@dataclass
class Facts:
    imports: list = field(default_factory=list)
    classes: dict = field(default_factory=dict)   # name -> DartClass
    declared: set = field(default_factory=set)
    references: dict = field(default_factory=dict)   # name -> first line
    fields: set = field(default_factory=set)
    labels: set = field(default_factory=set)
    strings: set = field(default_factory=set)


def _child(node, kind: str):
    return next((c for c in node.children if c.type == kind), None)


def _class(node) -> DartClass:
    cls = DartClass(text(_child(node, "identifier")), node.start_point[0] + 1)
    sup = _child(node, "superclass")
    if sup is not None:
        t = _child(sup, "type_identifier")
        cls.superclass = text(t) if t is not None else ""
        args = _child(sup, "type_arguments")
        if args is not None:
            arg = _child(args, "type_identifier")
            cls.type_argument = text(arg) if arg is not None else ""
    body = _child(node, "class_body")
    for n in walk(body) if body is not None else ():
        if n.type == "function_signature" and n.parent.type in ("method_signature", "declaration", "class_body"):
            name = _child(n, "identifier")
            params = _child(n, "formal_parameter_list")
            types = [text(t) for p in (walk(params) if params is not None else ())
                     if p.type == "formal_parameter" for t in p.children if t.type == "type_identifier"]
            if name is not None:
                cls.methods.setdefault(text(name), types)
    return cls


def facts(tree) -> Facts:
    f = Facts()
    for n in walk(tree.root_node):
        t = n.type
        if t == "uri" and n.parent.type == "configurable_uri":
            f.imports.append(text(n).strip("'\""))
        elif t == "class_definition":
            cls = _class(n)
            f.classes[cls.name] = cls
        elif t in ("identifier", "type_identifier"):
            name = text(n)
            parent = n.parent.type
            if parent in _DECLARES or (t == "type_identifier" and parent == "type_parameter"):
                f.declared.add(name)
            elif parent == "label":
                f.labels.add(name)
            elif parent not in _MEMBER and name.lstrip("_")[:1].isupper():
                f.references.setdefault(name, n.start_point[0] + 1)
            if parent == "initialized_identifier" and n.prev_sibling is None and _in_class_body(n):
                f.fields.add(name)
        elif t == "string_literal":
            f.strings.add(text(n).strip("'\"r"))
    return f


def _in_class_body(node) -> bool:
    """A field: an initialized identifier of a declaration directly in a class body (not a local)."""
    p = node.parent
    while p is not None and p.type not in ("class_body", "function_body", "block"):
        p = p.parent
    return p is not None and p.type == "class_body"
