"""The check library of spec domains: each check is one validator level; they run in the spec's order and
the first that fails gives the status. A check sees the extracted answer, the item (all its fields) and,
when it needs one, the reference answer taken from the gold the same way.

  parses       json | yaml | python | any tree-sitter grammar installable from PyPI, by name
               (`dart` or `tree-sitter-dart` -> module tree_sitter_dart)               -> syntax_error
  json_schema  the answer (JSON) fits `schema` (inline) or `schema_file`               -> wrong_answer
  matches      equals the reference (`mode: exact | normalised`, normalised = case and whitespace
               folded), or matches `pattern` / the item's `field` as a regex (`mode: regex`) -> wrong_answer
  same_json    the answer's JSON value equals the reference's                          -> wrong_answer
  command      a program in the sandbox (domains/sandbox.py) given the answer as a file (`{answer}` in
               `run`) or on stdin (`input: stdin`), `{field}` = the item's field, `{spec_dir}` = the
               spec's folder, `python` = this venv's interpreter; `expect: exit` passes on exit 0,
               `expect: same_output` compares its stdout with the reference's (execution accuracy)
                                                   -> `status` (default wrong_answer), timeout, resource_limit
  python       `function` in the user's `file`: (item, answer) -> (passed, detail); runs in this process
               (it is the user's code; the answer is only data to it)              -> `status` (wrong_answer)
  sql          SQLite, read-only, time-limited (domains/spec/sqlrun.py): `mode: prepare` compiles the
               query (syntax_error / compile_error), `run` executes it (runtime_error / timeout),
               `compare` compares its rows with the reference's, order-insensitive unless the
               reference's outer query has ORDER BY (the Spider/BIRD rule)           -> wrong_answer
Every check may set `level` (its name in results; default: the kind) and `status` (the failure status).
Checks that need no gold (see `needs_gold`) also judge free answers (make chat / serve).
"""
from __future__ import annotations

import importlib
import json
import shutil
import sys
from dataclasses import dataclass

from core.errors import did_you_mean
from domains.base import STATUSES

# kind -> {option: (type, required)}; options every check takes are in COMMON
KINDS = {
    "parses": {"language": (str, True), "function": (str, False)},
    "json_schema": {"schema": (dict, False), "schema_file": (str, False)},
    "matches": {"mode": (str, False), "pattern": (str, False), "field": (str, False)},
    "same_json": {},
    "command": {"run": (list, True), "input": (str, False), "file": (str, False), "expect": (str, False),
                "timeout": ((int, float), False), "cpu_s": (int, False), "memory_mb": (int, False)},
    "python": {"file": (str, True), "function": (str, True), "open": (bool, False)},
    "sql": {"database": (str, True), "mode": (str, True), "timeout": ((int, float), False)},
}
COMMON = {"kind": (str, True), "level": (str, False), "status": (str, False)}
CHOICES = {("matches", "mode"): ("exact", "normalised", "regex"), ("command", "input"): ("file", "stdin"),
           ("command", "expect"): ("exit", "same_output"), ("sql", "mode"): ("prepare", "run", "compare")}


def check_options(chk) -> list[tuple[str, str]]:
    """(problem, key) for one check entry of a spec; [] when it is well formed."""
    if not isinstance(chk, dict):
        return [("expected a mapping like {kind: parses, language: json}", "")]
    kind = chk.get("kind")
    if kind not in KINDS:
        return [(f"unknown kind {kind!r}{did_you_mean(str(kind), KINDS)}; expected one of {', '.join(KINDS)}",
                 "kind")]
    allowed, out = {**COMMON, **KINDS[kind]}, []
    for key, value in chk.items():
        if key not in allowed:
            out.append((f"{kind} takes no option {key!r}{did_you_mean(key, allowed)}; expected "
                        f"{', '.join(allowed)}", key))
        elif not isinstance(value, allowed[key][0]):
            out.append((f"{key} must be a {getattr(allowed[key][0], '__name__', 'number')}", key))
        elif (kind, key) in CHOICES and value not in CHOICES[(kind, key)]:
            out.append((f"{key} {value!r}{did_you_mean(value, CHOICES[(kind, key)])}; expected one of "
                        f"{', '.join(CHOICES[(kind, key)])}", key))
    out += [(f"{kind} needs {key!r}", "") for key, (_, req) in allowed.items() if req and key not in chk]
    if chk.get("status") is not None and chk["status"] not in STATUSES:
        out.append((f"status {chk['status']!r}{did_you_mean(chk['status'], STATUSES)}; expected one of "
                    f"{', '.join(STATUSES)}", "status"))
    if kind == "json_schema" and ("schema" in chk) == ("schema_file" in chk):
        out.append(("json_schema needs exactly one of 'schema' and 'schema_file'", ""))
    if kind == "matches" and chk.get("mode") == "regex" and not (chk.get("pattern") or chk.get("field")):
        out.append(("a regex match needs 'pattern' or 'field'", ""))
    return out


def needs_gold(chk: dict) -> bool:
    """Whether a check compares with the item (reference or fields): such checks are skipped on free
    answers, where no item exists."""
    kind = chk["kind"]
    if kind == "command":
        return chk.get("expect") == "same_output" or any("{" in a and "{answer}" not in a and "{spec_dir}" not in a
                                                           for a in map(str, chk["run"]))
    if kind == "python":
        return not chk.get("open", False)
    if kind == "matches":
        return not chk.get("pattern")
    return kind in ("same_json",) or (kind == "sql" and chk["mode"] == "compare")


@dataclass
class Context:
    text: str             # the extracted answer
    value: object         # its JSON value for json answers, else the text
    item: dict            # the item's fields ({} for a free answer)
    reference: object     # (text, value) of the reference, or None
    spec_dir: str


def normalised(s: str) -> str:
    return " ".join(s.casefold().split())


def tree_sitter_module(language: str) -> str:
    name = language.lower().replace("-", "_")
    return name if name.startswith("tree_sitter_") else "tree_sitter_" + name


def python_function(spec_dir, file: str, function: str):
    """The user's (item, answer) -> (passed, detail) function, imported from its file."""
    from pathlib import Path

    path = Path(file) if Path(file).is_absolute() else Path(spec_dir) / file
    mod_name = f"wb_spec_check_{abs(hash(str(path)))}"
    if mod_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(mod_name, path)
        if spec is None or not path.exists():
            raise FileNotFoundError(f"{path}: no such file (python check)")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[mod_name] = module
    fn = getattr(sys.modules[mod_name], function, None)
    if not callable(fn):
        raise AttributeError(f"{path} has no function {function!r}")
    return fn


def program(chk: dict) -> str:
    """The executable a command check starts (`python` = this interpreter)."""
    first = str(chk["run"][0])
    return sys.executable if first == "python" else first


def which(chk: dict, spec_dir) -> str | None:
    first = program(chk).replace("{spec_dir}", str(spec_dir))
    return shutil.which(first) or (first if "/" in first and shutil.which(first) else None)


def as_json_text(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
