"""What the tree-sitter-based validators share: loading a grammar (missing = ToolMissing, never a pass),
saying which versions are present, walking a tree without recursion, and listing its syntax errors.

Used by domains/unity_csharp/syntax.py (C#) and domains/flutter/dart.py (Dart). What it does not do:
know anything about a language beyond what its grammar parses.
"""
from __future__ import annotations

import importlib

from domains.base import ToolMissing


def load_parser(grammar_module: str, what: str, hint: str):
    """A tree_sitter.Parser for the grammar package `grammar_module`; ToolMissing naming `hint` if absent."""
    try:
        import tree_sitter
        grammar = importlib.import_module(grammar_module)
    except ImportError as exc:
        raise ToolMissing(f"tree-sitter {what} grammar not importable ({exc}); {hint}") from exc
    return tree_sitter.Parser(tree_sitter.Language(grammar.language()))


def available(parser_fn, package: str) -> tuple[bool, str]:
    """(ok, versions or why not) for gate A and the domains' toolchain checks."""
    try:
        parser_fn()
    except ToolMissing as exc:
        return False, str(exc)
    from importlib.metadata import version

    return True, f"tree-sitter {version('tree-sitter')}, {package} {version(package)}"


def walk(node):
    """Every node under `node` (itself first), depth first, without recursion (deep trees are fine)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def text(node) -> str:
    return node.text.decode("utf-8", "replace")


def syntax_errors(tree, limit: int = 5) -> list[str]:
    """'line N: unexpected ...' / 'line N: missing X' for the first `limit` ERROR and MISSING nodes.

    An ERROR node that spans several lines says so ('lines 6-9: unexpected ...'): tree-sitter wraps the
    text it could not place from the start of the broken construct to where it recovered, so the fault
    is somewhere in that range (often an unclosed bracket at its end), not necessarily on its first line.
    """
    out = []
    for n in walk(tree.root_node):
        if n.type == "ERROR" or n.is_missing:
            what = f"missing {n.type}" if n.is_missing else f"unexpected {text(n)[:40]!r}"
            first, last = n.start_point[0] + 1, n.end_point[0] + 1
            where = f"lines {first}-{last}" if last > first and not n.is_missing else f"line {first}"
            out.append(f"{where}: {what}")
            if len(out) >= limit:
                break
    return out
