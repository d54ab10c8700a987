"""BFCL-style AST scoring of tool calls: exact match of the ordered call list after normalisation.

Per sample (`score`):
* the completion is parsed (calls.py); no parsable call when one is expected -> `format_error`;
* names are resolved (dotted name, or its `__`/`_` alias); an unknown name -> `wrong_answer`/unknown_tool;
* the call list must have the gold length (missing_call / extra_call), the gold order (wrong_order: same
  calls, other order) and the gold tools at each position (wrong_tool);
* each call's raw arguments must satisfy its JSON Schema (jsonschema, with the formats of toolset.py):
  required parameters (missing_required), no unknown ones (unexpected_argument), types (wrong_type),
  enums (invalid_enum), ranges/patterns/formats (schema_invalid);
* normalised arguments must equal the gold ones (wrong_value). Normalisation: defaults filled in;
  integers from hex where the schema says `snes-address` (0x7E0010 == $7E:0010 == 8257552); 2 == 2.0;
  hex byte strings without spaces, upper case; paths via normpath; other strings trimmed with runs of
  whitespace collapsed (so assembly source may differ in spacing, not in content).

Metrics (always present, also on failures): exact_match, tool_name_accuracy (positional matches / longer
list), param_precision / param_recall / param_f1 over (position, tool, parameter, normalised value),
schema_valid (share of predicted calls whose arguments satisfy their schema), n_pred, n_gold, reason.

Not checked: semantic equivalence beyond these rules (two different addresses that alias the same SNES
memory are different answers), or what the calls would do on a real server.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict

from jsonschema import Draft202012Validator

from domains.base import Result
from domains.mcp_tools.calls import ParseFailure, parse_calls
from domains.mcp_tools.toolset import FORMATS, aliases, normalise_path, parse_address

LEVELS = ("parses", "known_tools", "schema_valid", "exact_match")
_VALIDATORS: dict = {}


def _validator(schema: dict):
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = Draft202012Validator(schema, format_checker=FORMATS)
    return _VALIDATORS[key]


def _types(schema) -> set:
    t = schema.get("type", []) if isinstance(schema, dict) else []
    return set(t if isinstance(t, list) else [t])


def normalise(value, schema):
    """The comparable form of a JSON value under its schema (see the module docstring)."""
    schema = schema if isinstance(schema, dict) else {}
    fmt, types = schema.get("format"), _types(schema)
    if fmt == "snes-address" and not isinstance(value, bool) and parse_address(value) is not None:
        return parse_address(value)
    if isinstance(value, float) and value.is_integer() and types & {"integer", "number"}:
        return int(value)
    if isinstance(value, str):
        if fmt == "hex-bytes":
            return "".join(value.split()).upper()
        if fmt == "path":
            return normalise_path(value)
        return " ".join(value.split())
    if isinstance(value, list):
        return [normalise(v, schema.get("items", {})) for v in value]
    if isinstance(value, dict):
        return normalise_args(value, schema)
    return value


def normalise_args(args: dict, schema: dict) -> dict:
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    out = {k: normalise(v, props.get(k, {})) for k, v in args.items()}
    for k, spec in props.items():
        if k not in out and isinstance(spec, dict) and "default" in spec:
            out[k] = normalise(spec["default"], spec)
    return out


_REASON = {"required": "missing_required", "additionalProperties": "unexpected_argument",
           "type": "wrong_type", "enum": "invalid_enum"}


def schema_errors(args: dict, schema: dict) -> list[tuple[str, str]]:
    """[(reason, message)] for the raw arguments against the tool's schema."""
    rank = list(_REASON)  # the most basic problem first: a missing argument before its wrong format
    errs = sorted(_validator(schema).iter_errors(args),
                  key=lambda e: (rank.index(e.validator) if e.validator in rank else len(rank),
                                 [str(p) for p in e.path]))
    return [(_REASON.get(e.validator, "schema_invalid"),
             f"{'/'.join(map(str, e.path)) or 'arguments'}: {e.message[:160]}") for e in errs]


def _triples(calls, tools) -> Counter:
    out = Counter()
    for i, c in enumerate(calls):
        args = c["norm"] if c.get("norm") is not None else c["arguments"]
        for k, v in args.items():
            out[(i, c["name"], k, json.dumps(v, sort_keys=True))] += 1
    return out


def _prf(pred, gold, tools) -> dict:
    p, g = _triples(pred, tools), _triples(gold, tools)
    hit = sum((p & g).values())
    if not p and not g:
        prec = rec = 1.0 if len(pred) == len(gold) and [c["name"] for c in pred] == [c["name"] for c in gold] \
            else 0.0
    else:
        prec = hit / sum(p.values()) if p else 0.0
        rec = hit / sum(g.values()) if g else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"param_precision": round(prec, 6), "param_recall": round(rec, 6), "param_f1": round(f1, 6)}


def _empty_metrics(n_gold: int, reason: str) -> dict:
    return {"exact_match": 0.0, "tool_name_accuracy": 0.0, "param_precision": 0.0, "param_recall": 0.0,
            "param_f1": 0.0, "schema_valid": 0.0, "n_pred": 0, "n_gold": n_gold, "reason": reason}


def broken_gold(reason: str, n_gold: int) -> Result:
    """The result for an item whose own gold answer is wrong (see domains/loading.py)."""
    return Result("wrong_answer", f"broken_gold: {reason}", "", dict.fromkeys(LEVELS, False),
                  _empty_metrics(n_gold, "broken_gold"))


def _resolve(pred: list[dict], tools: dict, alias: dict) -> list[dict]:
    out = []
    for c in pred:
        name = c["name"] if c["name"] in tools else alias.get(c["name"], c["name"])
        known = name in tools
        schema = tools[name]["parameters"] if known else {}
        errs = schema_errors(c["arguments"], schema) if known else [("unknown_tool", f"no tool {name!r}")]
        out.append({"name": name, "arguments": c["arguments"], "known": known, "errors": errs,
                    "norm": normalise_args(c["arguments"], schema) if known else None})
    return out


def _first_failure(pred, gold) -> tuple[str, str]:
    names_p, names_g = [c["name"] for c in pred], [c["name"] for c in gold]
    unknown = [c["name"] for c in pred if not c["known"]]
    if unknown:
        return "unknown_tool", f"unknown tool {unknown[0]!r}"
    if len(pred) < len(gold):
        return "missing_call", f"{len(pred)} call(s), expected {len(gold)}: missing {names_g[len(pred):]}"
    if len(pred) > len(gold):
        return "extra_call", f"{len(pred)} call(s), expected {len(gold)}: extra {names_p[len(gold):]}"
    if names_p != names_g:
        if sorted(names_p) == sorted(names_g):
            return "wrong_order", f"calls in order {names_p}, expected {names_g}"
        i = next(i for i, (a, b) in enumerate(zip(names_p, names_g)) if a != b)
        return "wrong_tool", f"call {i + 1}: {names_p[i]!r}, expected {names_g[i]!r}"
    for i, c in enumerate(pred):
        if c["errors"]:
            reason, msg = c["errors"][0]
            return reason, f"call {i + 1} ({c['name']}): {msg}"
    for i, (c, g) in enumerate(zip(pred, gold)):
        if c["norm"] != g["norm"]:
            keys = sorted(set(c["norm"]) | set(g["norm"]))
            bad = next(k for k in keys if c["norm"].get(k) != g["norm"].get(k))
            return "wrong_value", (f"call {i + 1} ({c['name']}): {bad}={c['norm'].get(bad)!r}, "
                                   f"expected {g['norm'].get(bad)!r}")
    return "", ""


def score(completion, gold_calls: list[dict], tool_list: list[dict]) -> Result:
    """Score one completion against the gold calls; never raises on bad model output."""
    tools = {t["name"]: t for t in tool_list}
    parsed = parse_calls(completion)
    if isinstance(parsed, ParseFailure):
        return Result("format_error", f"{parsed.reason}: {parsed.detail}", "",
                      dict.fromkeys(LEVELS, False), _empty_metrics(len(gold_calls), parsed.reason))
    if not parsed and gold_calls:
        return Result("format_error", "no_tool_call: no tool call found in the output", "",
                      dict.fromkeys(LEVELS, False), _empty_metrics(len(gold_calls), "no_tool_call"))
    pred = _resolve(parsed, tools, aliases(tool_list))
    gold = [{"name": g["name"], "arguments": g["arguments"],
             "norm": normalise_args(g["arguments"], tools[g["name"]]["parameters"])} for g in gold_calls]
    reason, detail = _first_failure(pred, gold)
    levels = {"parses": True, "known_tools": all(c["known"] for c in pred),
              "schema_valid": all(c["known"] and not c["errors"] for c in pred), "exact_match": not reason}
    levels["schema_valid"] = levels["schema_valid"] and levels["known_tools"]
    n = max(len(pred), len(gold))
    metrics = {"exact_match": 0.0 if reason else 1.0,
               "tool_name_accuracy": round(sum(p["name"] == g["name"] for p, g in zip(pred, gold)) / n, 6)
               if n else 1.0,
               **_prf(pred, gold, tools),
               "schema_valid": round(sum(c["known"] and not c["errors"] for c in pred) / len(pred), 6)
               if pred else 1.0,
               "n_pred": len(pred), "n_gold": len(gold), "reason": reason or "ok"}
    level = next((lv for lv in reversed(LEVELS) if levels[lv]), "")
    return Result("wrong_answer" if reason else "ok", f"{reason}: {detail}" if reason else "exact match",
                  level, levels, metrics)


def score_open(completion, tool_list: list[dict]) -> Result:
    """A completion with no gold answer (chat, serve): it parses, names known tools, and each call's
    arguments satisfy the schema. exact_match is not reached (there is nothing to match)."""
    tools = {t["name"]: t for t in tool_list}
    parsed = parse_calls(completion)
    if isinstance(parsed, ParseFailure):
        return Result("format_error", f"{parsed.reason}: {parsed.detail}", "", dict.fromkeys(LEVELS, False))
    pred = _resolve(parsed, tools, aliases(tool_list))
    levels = {"parses": True, "known_tools": all(c["known"] for c in pred),
              "schema_valid": all(c["known"] and not c["errors"] for c in pred), "exact_match": False}
    level = "schema_valid" if levels["schema_valid"] else "known_tools" if levels["known_tools"] else "parses"
    bad = next(((i, c) for i, c in enumerate(pred) if c["errors"]), None)
    if bad is None:
        return Result("ok", f"{len(pred)} call(s), all valid" if pred else "no tool call (plain answer)",
                      level, levels, {"n_pred": len(pred)})
    reason, msg = bad[1]["errors"][0]
    status = "wrong_answer"
    return Result(status, f"{reason}: call {bad[0] + 1} ({bad[1]['name']}): {msg}", level, levels,
                  {"n_pred": len(pred)})


_AGG = ("exact_match", "tool_name_accuracy", "param_precision", "param_recall", "param_f1", "schema_valid")


def _metrics_of(r) -> dict:
    return r.metrics if hasattr(r, "metrics") else (r.get("metrics") or {})


def _agg(rows: list[dict]) -> dict:
    out = {"n": len(rows)}
    for k in _AGG:
        out[k] = round(sum(float(r.get(k, 0.0)) for r in rows) / len(rows), 6) if rows else 0.0
    return out


def breakdown(items: list[dict], results: list, focus_tools=()) -> dict:
    """Per-family, per-tool and per-reason aggregates. `results[i]` belongs to `items[i]` and is a Result,
    its `to_dict()`, or a list of them (n samples per item). A sample counts for every tool in its item's
    gold calls; `focus` aggregates the items that use a focus tool (specialists)."""
    if len(items) != len(results):
        raise ValueError(f"breakdown: {len(items)} items but {len(results)} result entries")
    fam, tool, focus, everything, reasons = defaultdict(list), defaultdict(list), [], [], Counter()
    focus_set = set(focus_tools)
    for item, res in zip(items, results):
        samples = res if isinstance(res, list) else [res]
        names = {c["name"] for c in item.get("calls", [])}
        for r in samples:
            m = _metrics_of(r)
            everything.append(m)
            fam[item.get("family", "")].append(m)
            reasons[m.get("reason", "unknown")] += 1
            for name in names:
                tool[name].append(m)
            if names & focus_set:
                focus.append(m)
    out = {"overall": _agg(everything), "by_family": {k: _agg(v) for k, v in sorted(fam.items())},
           "by_tool": {k: _agg(v) for k, v in sorted(tool.items())}, "by_reason": dict(sorted(reasons.items()))}
    if focus_set:
        out["focus"] = {"tools": sorted(focus_set), **_agg(focus)}
    return out
