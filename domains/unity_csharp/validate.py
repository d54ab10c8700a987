"""The Unity domain's validator levels, each reported (see the package docstring for what each checks).

C# answers (ir_to_cs): extracts -> parses -> compiles -> meets_ir.
Repairs (cs_repair): extracts -> applies -> parses -> compiles -> meets_ir. The answer is either a
unified diff of the script (found and applied by domains/patch.py, shared with luanti's repairs: one
relative file such as `Script.cs`, patch's tolerance of offsets and fuzz; a hunk whose lines are not in
the input is `wrong_answer`, a malformed diff `format_error`) or the whole fixed script, which `applies`
as it is (metric `diff` = 1 or 0 says which form was scored). A diff wins when the answer has both. A
repair that leaves the script as it was is `wrong_answer` at `applies` (domains/edit.py's no-op rule).
IR answers (nl_to_ir): extracts -> parses (valid JSON object) -> schema (ir_schema.json) -> meets_facts
(the description's stated facts: class name, components, field names, trigger kinds).
Hostile code is contained: over MAX_CODE_BYTES or MAX_DIRECTIVES preprocessor lines is
`resource_limit` before any tool runs; file, network,
process and native access (System.IO, System.Net, System.Diagnostics, DllImport, ...) is refused on the
syntax tree as `wrong_answer`, names read as the compiler resolves them (policy.py: global::, aliases,
verbatim and escaped identifiers); the compiler runs with a time limit in a scratch dir (compiler.py).
"""
from __future__ import annotations

import hashlib

from domains.base import Result
from domains.edit import no_change, unchanged
from domains.patch import HunkFailed, PatchError, extract_diff, patch_text
from domains.unity_csharp import compiler, ir as irmod, syntax
from domains.unity_csharp.extract import extract_cs, extract_json
from domains.unity_csharp.meets import meets_ir
from domains.unity_csharp.policy import FORBIDDEN, forbidden_uses  # noqa: F401 (the module's API)

CS_LEVELS = ("extracts", "parses", "compiles", "meets_ir")
REPAIR_LEVELS = ("extracts", "applies", "parses", "compiles", "meets_ir")
IR_LEVELS = ("extracts", "parses", "schema", "meets_facts")
MAX_CODE_BYTES = 100_000
MAX_DIRECTIVES = 200      # preprocessor lines; a script needs a handful, a "bomb" thousands
_warm: dict = {}   # sha256(code) -> compile result made ahead by the last warm() (few batch mcs runs)


def result(status: str, detail: str, levels: dict, metrics: dict | None = None) -> Result:
    reached = [name for name, ok in levels.items() if ok]
    return Result(status, detail, level=reached[-1] if reached else "", levels=dict(levels), metrics=metrics or {})


def _compile(code: str) -> dict:
    key = hashlib.sha256(code.encode("utf-8")).hexdigest()
    return _warm.get(key) or compiler.compile_cs(code)


def warm(codes: list[str], batch: int = 40) -> int:
    """Compile many scripts ahead in few mcs runs (scripts with distinct class names per run); the
    results are used by validate until the next warm(). Returns how many were compiled ahead."""
    _warm.clear()
    done, groups = 0, []
    for code in dict.fromkeys(filter(None, map(extract_cs, codes))):
        if len(code.encode("utf-8")) > MAX_CODE_BYTES:
            continue
        tree = syntax.parse(code)
        if syntax.syntax_errors(tree, 1) or forbidden_uses(tree):
            continue
        names = set(syntax.text(n.child_by_field_name("name")) for n in syntax.walk(tree.root_node)
                    if n.type in ("class_declaration", "struct_declaration", "enum_declaration"))
        g = next((g for g in groups if len(g[0]) < batch and not names & g[1]), None)
        if g is None:
            groups.append(g := ([], set()))
        g[0].append(code)
        g[1].update(names)
    for codes_g, _ in groups:
        res = compiler.compile_batch(codes_g)
        if res is None and len(codes_g) > 1:     # one bad script: halve, so the others still batch
            half = len(codes_g) // 2
            res = [r for part in (codes_g[:half], codes_g[half:]) for r in (compiler.compile_batch(part) or
                                                                             [None] * len(part))]
        for code, r in zip(codes_g, res or []):
            if r is not None:
                _warm[hashlib.sha256(code.encode("utf-8")).hexdigest()] = r
                done += 1
    return done


def validate_cs(ir: dict, completion: str) -> Result:
    levels = dict.fromkeys(CS_LEVELS, False)
    code = extract_cs(completion or "")
    if code is None:
        return result("format_error", "no C# code found (no ```csharp block, no `using`/`class` line)", levels)
    levels["extracts"] = True
    return check_code(ir, code, levels)


def validate_repair(broken: str, ir: dict, completion: str) -> Result:
    """A cs_repair answer: a unified diff applied to `broken`, or the whole fixed script."""
    levels = dict.fromkeys(REPAIR_LEVELS, False)
    diff = extract_diff(completion or "")
    code = extract_cs(completion or "") if diff is None else None
    if diff is None and code is None:
        return result("format_error", "no unified diff and no C# code found (no ```diff or ```csharp block)",
                      levels)
    levels["extracts"] = True
    metrics = {"diff": int(diff is not None)}
    if diff is not None:
        try:
            code = patch_text(broken, diff)
        except HunkFailed as exc:
            return result("wrong_answer", f"diff does not apply: {exc}", levels, metrics)
        except PatchError as exc:
            return result("format_error", f"bad diff: {exc}", levels, metrics)
    levels["applies"] = True
    if unchanged(broken, code):
        return no_change(levels, metrics)
    res = check_code(ir, code, levels)
    res.metrics = {**metrics, **res.metrics, "edit_no_change": 0}
    return res


def check_input(broken: str, ir: dict) -> Result:
    """A cs_repair item's broken script through the levels after `applies`, as it is (no no-op rule)."""
    levels = dict.fromkeys(REPAIR_LEVELS, False)
    levels["extracts"] = levels["applies"] = True
    return check_code(ir, broken, levels)


def check_code(ir: dict, code: str, levels: dict) -> Result:
    """The levels after extraction: size limits, parses, forbidden APIs, compiles, meets_ir."""
    if len(code.encode("utf-8")) > MAX_CODE_BYTES:
        return result("resource_limit", f"code is over {MAX_CODE_BYTES:,} bytes", levels)
    directives = sum(line.lstrip().startswith("#") for line in code.splitlines())
    if directives > MAX_DIRECTIVES:
        return result("resource_limit", f"{directives} preprocessor lines (over {MAX_DIRECTIVES})", levels)
    tree = syntax.parse(code)
    errs = syntax.syntax_errors(tree)
    if errs:
        return result("syntax_error", "; ".join(errs), levels)
    levels["parses"] = True
    bad = forbidden_uses(tree)
    if bad:
        return result("wrong_answer", f"uses {', '.join(bad)}: scripts may not touch files, network, processes "
                                      "or native code", levels)
    comp = _compile(code)
    metrics = {"compile_seconds": round(comp["seconds"], 3)}
    if comp["status"] == "timeout":
        return result("timeout", comp["output"], levels, metrics)
    if comp["status"] != "ok":
        return _compile_failure(tree, comp, levels, metrics)
    levels["compiles"] = True
    misses, more = meets_ir(tree, ir)
    metrics.update(more)
    if misses:
        return result("wrong_answer", "; ".join(misses), levels, {**metrics, "misses": len(misses)})
    levels["meets_ir"] = True
    return result("ok", "", levels, metrics)


def _compile_failure(tree, comp: dict, levels: dict, metrics: dict) -> Result:
    newer = syntax.newer_features(tree)
    lines = {ln + d for ln, _ in newer for d in (-1, 0, 1)}
    errors = comp["errors"]
    if newer and errors and all(e["line"] in lines or e["code"] == "CS1644" for e in errors):
        feats = sorted({f for _, f in newer})
        return result("unsupported_syntax", f"uses {', '.join(feats)}; mcs knows C# 7.2 only: "
                      + compiler.describe(errors), levels, {**metrics, "newer_features": len(newer)})
    stubs = sum(compiler.not_in_stubs(e) for e in errors)
    detail = compiler.describe(errors) or comp["output"]
    return result("compile_error", detail, levels, {**metrics, "errors": len(errors), "not_in_stubs": stubs})


def stated_facts(ir: dict) -> dict:
    """The facts a description states, as nl_to_ir checks them (derived from the item's IR)."""
    return {"class_name": ir["class_name"], "components": sorted(ir.get("components", [])),
            "fields": sorted(f["name"] for f in ir.get("fields", [])),
            "triggers": sorted({irmod.trigger_kind(b["trigger"]) or "other" for b in ir.get("behaviors", [])})}


def validate_ir(facts: dict, completion: str) -> Result:
    levels = dict.fromkeys(IR_LEVELS, False)
    if "{" not in (completion or ""):
        return result("format_error", "no JSON object in the completion", levels)
    levels["extracts"] = True
    obj = extract_json(completion)
    if not isinstance(obj, dict):
        return result("syntax_error", "no JSON object parses", levels)
    levels["parses"] = True
    errs = irmod.ir_errors(obj)
    if errs:
        return result("wrong_answer", f"not a valid IR: {errs[0]}", levels, {"schema_errors": len(errs)})
    levels["schema"] = True
    got = stated_facts(obj)
    misses = [f"class_name is {got['class_name']!r}, the description says {facts['class_name']!r}"] \
        if "class_name" in facts and got["class_name"] != facts["class_name"] else []
    for key in ("components", "fields", "triggers"):
        lost = sorted(set(facts.get(key, [])) - set(got[key]))
        if lost:
            misses.append(f"{key} missing: {', '.join(lost)}")
    if misses:
        return result("wrong_answer", "; ".join(misses), levels)
    levels["meets_facts"] = True
    return result("ok", "", levels)
