"""C# syntax through tree-sitter's official C# grammar (pip tree-sitter, tree-sitter-c-sharp).

`parse(code)` returns the tree or raises ToolMissing when the grammar is absent (never a pass).
`syntax_errors(tree)` lists ERROR/MISSING nodes with their line; `newer_features(tree)` lists the
constructs newer than C# 7.2 (which Mono's mcs rejects although Unity accepts them), with their line,
so the compile level can tell `unsupported_syntax` from a model's error. The grammar accepts C# up to
12; what it does not check: types, names, semantics (the compile level does).
"""
from __future__ import annotations

from functools import lru_cache

from domains.treesitter import available as ts_available
from domains.treesitter import load_parser, syntax_errors, text, walk  # noqa: F401 (the module's API)

INSTALL_HINT = "pip install tree-sitter tree-sitter-c-sharp (pinned in env/cpu.lock)"
# node type -> the C# feature (version) it is
NEWER_NODES = {
    "switch_expression": "switch expression (C# 8)",
    "implicit_object_creation_expression": "target-typed new() (C# 9)",
    "record_declaration": "record (C# 9)",
    "range_expression": "range operator .. (C# 8)",
    "index_expression": "index from end ^ (C# 8)",
    "with_expression": "with expression (C# 9)",
    "file_scoped_namespace_declaration": "file-scoped namespace (C# 10)",
    "raw_string_literal": "raw string literal (C# 11)",
    "and_pattern": "pattern combinator and (C# 9)",
    "or_pattern": "pattern combinator or (C# 9)",
    "negated_pattern": "not pattern (C# 9)",
    "relational_pattern": "relational pattern (C# 9)",
    "list_pattern": "list pattern (C# 11)",
    "collection_expression": "collection expression (C# 12)",
}


@lru_cache(maxsize=1)
def _parser():
    return load_parser("tree_sitter_c_sharp", "C#", INSTALL_HINT)


def available() -> tuple[bool, str]:
    return ts_available(_parser, "tree-sitter-c-sharp")


def parse(code: str):
    return _parser().parse(code.encode("utf-8"))


def newer_features(tree) -> list[tuple[int, str]]:
    """(line, feature) for every construct newer than C# 7.2, including `??=` and `is not null`."""
    out = []
    for n in walk(tree.root_node):
        line = n.start_point[0] + 1
        if n.type in NEWER_NODES:
            out.append((line, NEWER_NODES[n.type]))
        elif n.type == "assignment_expression" and any(c.type == "??=" for c in n.children):
            out.append((line, "null-coalescing assignment ??= (C# 8)"))
    return out

