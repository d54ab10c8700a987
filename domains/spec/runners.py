"""One function per check kind (declared in domains/spec/checks.py): (check, Context) -> (passed, status,
detail). A missing tool raises ToolMissing; it is never a pass nor a model's failure."""
from __future__ import annotations

import ast
import json
import re
from functools import lru_cache
from pathlib import Path

import yaml

from domains.base import ToolMissing
from domains.spec import checks as C

OK = (True, "ok", "")


def _fail(chk: dict, default: str, detail: str):
    return False, chk.get("status") or default, detail[:500]


@lru_cache(maxsize=16)
def _ts_parser(module: str, function: str):
    from domains.treesitter import load_parser

    if function == "language":
        return load_parser(module, module, f"pip install {module.replace('_', '-')}")
    import importlib

    import tree_sitter
    try:
        grammar = importlib.import_module(module)
    except ImportError as exc:
        raise ToolMissing(f"tree-sitter grammar {module} not importable ({exc}); pip install "
                          f"{module.replace('_', '-')}") from exc
    return tree_sitter.Parser(tree_sitter.Language(getattr(grammar, function)()))


def parses(chk, ctx):
    lang = chk["language"].lower()
    try:
        if lang == "json":
            json.loads(ctx.text)
        elif lang == "yaml":
            yaml.safe_load(ctx.text)
        elif lang == "python":
            ast.parse(ctx.text)
        else:
            from domains.treesitter import syntax_errors

            errors = syntax_errors(_ts_parser(C.tree_sitter_module(lang), chk.get("function", "language"))
                                   .parse(ctx.text.encode("utf-8")))
            return _fail(chk, "syntax_error", "; ".join(errors)) if errors else OK
    except (ValueError, yaml.YAMLError, SyntaxError) as exc:
        return _fail(chk, "syntax_error", f"not valid {lang}: {exc}")
    return OK


def json_schema(chk, ctx):
    import jsonschema

    schema = chk.get("schema") or json.loads(Path(ctx.spec_dir, chk["schema_file"]).read_text(encoding="utf-8"))
    value = ctx.value if not isinstance(ctx.value, str) else _json(ctx.text)
    if value is _BAD:
        return _fail(chk, "format_error", "the answer is not JSON")
    err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
    return _fail(chk, "wrong_answer", f"{'/'.join(map(str, err.path)) or '(root)'}: {err.message}") if err else OK


_BAD = object()


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return _BAD


def matches(chk, ctx):
    mode = chk.get("mode", "exact")
    if mode == "regex":
        pattern = chk.get("pattern") or str(ctx.item.get(chk["field"], ""))
        return OK if re.fullmatch(pattern, ctx.text, re.S) else _fail(chk, "wrong_answer", f"does not match /{pattern}/")
    want = str(ctx.item.get(chk["field"], "")) if chk.get("field") else ctx.reference[0]
    fold = C.normalised if mode == "normalised" else str.strip
    return OK if fold(ctx.text) == fold(want) else _fail(chk, "wrong_answer", f"expected {want[:200]!r}")


def same_json(chk, ctx):
    got = ctx.value if not isinstance(ctx.value, str) else _json(ctx.text)
    want = ctx.reference[1] if not isinstance(ctx.reference[1], str) else _json(ctx.reference[0])
    if got is _BAD:
        return _fail(chk, "format_error", "the answer is not JSON")
    return OK if got == want else _fail(chk, "wrong_answer", f"expected {C.as_json_text(want)[:200]}")


def _argv(chk, ctx, answer_name: str) -> list[str]:
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in ctx.item.items()}
    fields.update(answer="{scratch}/" + answer_name, spec_dir=str(ctx.spec_dir))
    out = [C.program(chk)]
    for arg in map(str, chk["run"][1:]):
        for name in re.findall(r"\{(\w+)\}", arg):
            if name not in fields and name != "scratch":
                # a misspelled placeholder would reach the program as literal text and fail every answer
                # (gold included) for a reason nobody sees: stop and name it instead
                from core.errors import UserError, did_you_mean

                raise UserError(f"check {chk.get('level') or chk.get('kind')!r}: `run:` names {{{name}}}, a field "
                                f"the item does not have{did_you_mean(name, fields)}; known: {', '.join(sorted(fields))}")
        out.append(re.sub(r"\{(\w+)\}", lambda m: fields.get(m.group(1), m.group(0)), arg))
    return out


def _run_program(chk, ctx, text: str) -> dict:
    from domains import sandbox

    name = chk.get("file", "answer.txt")
    stdin = chk.get("input") == "stdin"
    return sandbox.run(_argv(chk, ctx, name), files=None if stdin else {name: text}, stdin=text if stdin else None,
                       timeout=float(chk.get("timeout", 10)), cpu_s=chk.get("cpu_s", 5),
                       memory_mb=chk.get("memory_mb", 512))


def command(chk, ctx):
    got = _run_program(chk, ctx, ctx.text)
    if got["status"] in ("timeout", "resource_limit"):
        return _fail({}, got["status"], f"{got['status']} after {got['seconds']:.1f} s")
    said = (got["stdout"] + got["stderr"]).strip()
    if chk.get("expect", "exit") == "exit":
        return OK if got["returncode"] == 0 else _fail(chk, "wrong_answer", f"exit {got['returncode']}: {said}")
    if got["returncode"] != 0:
        return _fail(chk, "runtime_error", f"exit {got['returncode']}: {said}")
    want = _run_program(chk, ctx, ctx.reference[0])
    if want["returncode"] != 0:
        return _fail({}, "runtime_error", f"the reference itself fails this check (exit {want['returncode']})")
    return OK if got["stdout"].strip() == want["stdout"].strip() else \
        _fail(chk, "wrong_answer", f"output {got['stdout'].strip()[:150]!r}, expected {want['stdout'].strip()[:150]!r}")


def python(chk, ctx):
    fn = C.python_function(ctx.spec_dir, chk["file"], chk["function"])
    out = fn(dict(ctx.item), ctx.value)
    passed, detail = out if isinstance(out, tuple) else (bool(out), "")
    return OK if passed else _fail(chk, "wrong_answer", str(detail))


def sql(chk, ctx):
    from domains.spec import sqlrun

    db, timeout = str(Path(ctx.spec_dir, chk["database"])), float(chk.get("timeout", 5))
    try:
        if chk["mode"] == "prepare":
            sqlrun.prepare(db, ctx.text, timeout)
            return OK
        got = sqlrun.run(db, ctx.text, timeout)
        if chk["mode"] == "run":
            return OK
    except sqlrun.QueryError as exc:
        return _fail({}, exc.status, exc.detail)
    try:
        want = _reference_rows(db, ctx.reference[0], timeout)
    except sqlrun.QueryError as exc:  # broken gold: the item fails, check-refs shows why
        return _fail({}, "runtime_error", f"the reference query itself fails: {exc.detail}")
    if sqlrun.same_rows(got, want, sqlrun.ordered(ctx.reference[0])):
        return OK
    return _fail(chk, "wrong_answer", f"{len(got)} row(s) {got[:3]}..., expected {len(want)} row(s) {want[:3]}...")


@lru_cache(maxsize=4096)
def _reference_rows(db: str, query: str, timeout: float):
    from domains.spec import sqlrun

    return sqlrun.run(db, query, max(timeout, 30.0))


RUNNERS = {"parses": parses, "json_schema": json_schema, "matches": matches, "same_json": same_json,
           "command": command, "python": python, "sql": sql}
assert set(RUNNERS) == set(C.KINDS), "every check kind needs a runner"
