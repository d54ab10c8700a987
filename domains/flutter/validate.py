"""The Flutter validator, level by level (each a real check; a missing grammar is ToolMissing):

  extracts    the answer holds Dart code: the first ```dart (or bare) fenced block, else the text from
              the first `import` or `class` line on;
  parses      tree-sitter's Dart grammar finds no ERROR or MISSING node (syntax_error otherwise);
  flutter     on the syntax tree: the imports bring every capitalised name used into scope (the shipped
              symbol table, symbols.py; a Flutter name without its `package:flutter/...` import names the
              import it needs), no undeclared name; a name that none of the imports brings in while the
              file imports a pub package the table does not know (hive, equatable, ...) is unverified,
              not an error (metric `unverified_symbols`); when the item declares its `dependencies`, a
              package import they do not list is an error; each class extending StatelessWidget has
              `build(BuildContext)`; each StatefulWidget has `createState` and a `State<ThatWidget>` class
              in the file, which has `build(BuildContext)` (compile_error otherwise);
  meets_spec  the requested classes, widgets, fields, callbacks (named arguments or methods) and routes
              (string literals) are present (wrong_answer otherwise).

What it cannot prove, since no Dart compiler or Flutter SDK can be installed here: that the file
type-checks (argument types, member names like `Colors.bleu`, missing `required` arguments), that it
builds, runs, or renders as intended. A name outside the shipped table is reported as undeclared, unless
a package the table does not know is imported (then it may come from there: unverified, counted).
"""
from __future__ import annotations

import re

from domains.base import Result
from domains.flutter import dart, symbols

LEVELS = ("extracts", "parses", "flutter", "meets_spec")
SPEC_KEYS = ("classes", "widgets", "fields", "callbacks", "routes")
_FENCE = re.compile(r"```[ \t]*([A-Za-z]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_START = re.compile(r"^(import\s+['\"]|(abstract\s+)?class\s|void\s+main\s*\()", re.M)


def extract(completion: str) -> str | None:
    for m in _FENCE.finditer(completion):
        if m.group(1).lower() in ("", "dart", "flutter") and m.group(2).strip():
            return m.group(2)
    start = _START.search(completion)
    return completion[start.start():] if start else None


def _levels(upto: int) -> dict:
    return {lv: i < upto for i, lv in enumerate(LEVELS)}


def flutter_problems(f: dart.Facts, context_symbols=(), dependencies=None) -> tuple[list[str], dict]:
    """(what the `flutter` level finds wrong, worded with the line and the fix; metrics about names it
    cannot verify). `dependencies`: the packages the item declares (None: not declared)."""
    unknown = sorted({p for p in map(symbols.package_of, f.imports) if p and p not in symbols.KNOWN_PACKAGES})
    problems = [f"imports package:{p}, which the item's dependencies ({', '.join(dependencies) or 'none'}) do not "
                "declare" for p in unknown if dependencies is not None and p not in dependencies]
    scope = symbols.in_scope(f.imports) | f.declared | set(f.classes) | set(context_symbols)
    unverified = []
    for name, line in sorted(f.references.items(), key=lambda kv: kv[1]):
        if name in scope:
            continue
        lib = symbols.library_of(name)
        if lib is None and unknown:   # may come from a package the table does not know
            unverified.append(name)
            continue
        problems.append(f"line {line}: {name} is used without importing {lib}" if lib else
                        f"line {line}: {name} is not declared (not in this file nor the shipped symbol table)")
    for cls in f.classes.values():
        problems += _widget_problems(cls, f.classes)
    return problems, ({"unverified_symbols": len(unverified), "unknown_packages": len(unknown)} if unknown else {})


def _has_build(cls: dart.DartClass) -> bool:
    return cls.methods.get("build") == ["BuildContext"]


def _widget_problems(cls: dart.DartClass, classes: dict) -> list[str]:
    where = f"line {cls.line}: {cls.name}"
    if cls.superclass == "StatelessWidget" and not _has_build(cls):
        return [f"{where} extends StatelessWidget without a build(BuildContext) method"]
    if cls.superclass == "StatefulWidget":
        out = [] if "createState" in cls.methods else [f"{where} extends StatefulWidget without createState()"]
        if not any(c.superclass == "State" and c.type_argument == cls.name for c in classes.values()):
            out.append(f"{where} extends StatefulWidget but no class extends State<{cls.name}>")
        return out
    if cls.superclass == "State" and not _has_build(cls):
        return [f"{where} extends State<{cls.type_argument}> without a build(BuildContext) method"]
    return []


def spec_missing(spec: dict, f: dart.Facts) -> list[str]:
    have = {"classes": set(f.classes), "widgets": set(f.references),
            "fields": f.fields, "callbacks": f.labels | {m for c in f.classes.values() for m in c.methods},
            "routes": f.strings}
    return [f"{key[:-1] if key != 'classes' else 'class'} {want}" for key in SPEC_KEYS
            for want in spec.get(key, []) if want not in have[key]]


def validate(spec: dict, completion: str, context_symbols=(), dependencies=None) -> Result:
    code = extract(completion)
    if code is None:
        return Result("format_error", "no Dart code found (expected a ```dart block)", "", _levels(0))
    tree = dart.parse(code)
    errors = dart.syntax_errors(tree)
    if errors:
        return Result("syntax_error", "; ".join(errors), "extracts", _levels(1))
    f = dart.facts(tree)
    problems, unverified = flutter_problems(f, context_symbols, dependencies)
    if problems:
        return Result("compile_error", "; ".join(problems[:6]), "parses", _levels(2),
                      {"flutter_problems": len(problems), **unverified})
    missing = spec_missing(spec or {}, f)
    wanted = sum(len(spec.get(k, [])) for k in SPEC_KEYS) if spec else 0
    metrics = {"spec_met": round(1 - len(missing) / wanted, 4) if wanted else 1.0, **unverified}
    if missing:
        return Result("wrong_answer", "missing: " + ", ".join(missing[:8]), "flutter", _levels(3), metrics)
    return Result("ok", "", "meets_spec", _levels(4), metrics)
