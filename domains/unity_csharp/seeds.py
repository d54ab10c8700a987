"""Ingest the seed system's two data formats into the project's JSONL, split 85/15 without leakage.

* ShareGPT JSONL: one object a line with `conversations`: [{from: system}, {from: human, value:
  "BEHAVIOR SPECIFICATION:\\n{IR JSON}\\n\\n<request>"}, {from: gpt, value: C# code}] -> ir_to_cs items.
* The teacher-generated calibration file: {"pairs": [{"prompt", "ideal_ir", "good_code"}], ...} ->
  an ir_to_cs item (ideal_ir -> good_code) and an nl_to_ir item (prompt -> ideal_ir) per pair.
Every IR is checked against ir_schema.json; any problem is a DataError naming file:line (for the
calibration file, the line where the pair starts). What it does not check: the code (check-refs does).

`split(items)` is the seed's 85/15 train/eval split, seeded and deterministic, made over groups so that
no class name and no IR appears on both sides (items sharing either are one group).
"""
from __future__ import annotations

import json
import random
import re

from core.errors import DataError
from core.files import iter_jsonl
from domains.unity_csharp.build import IR_INSTRUCTION
from domains.unity_csharp.ir import check_ir

HEADER = "BEHAVIOR SPECIFICATION:"
SEED_LICENSE = "as the seed file's owner states (not recorded in the file)"


def _ir_after_header(path, lineno, text: str) -> dict:
    at = text.find(HEADER)
    if at < 0:
        raise DataError(path, lineno, f"the human turn has no {HEADER!r} header")
    rest = text[at + len(HEADER):].lstrip()
    try:
        ir = json.JSONDecoder().raw_decode(rest)[0]
    except ValueError as exc:
        raise DataError(path, lineno, f"the IR after {HEADER!r} is not JSON: {exc}") from None
    return check_ir(ir, path, lineno)


def read_sharegpt(path) -> list[dict]:
    items = []
    for lineno, obj in iter_jsonl(path):
        turns = obj.get("conversations")
        if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
            raise DataError(path, lineno, "expected 'conversations': a list of {from, value} turns")
        by_role = {}
        for t in turns:
            if not isinstance(t.get("value"), str) or t.get("from") not in ("system", "human", "gpt"):
                raise DataError(path, lineno, f"bad turn {str(t)[:80]}: 'from' must be system/human/gpt, "
                                              "'value' a string")
            by_role.setdefault(t["from"], t["value"])
        for role in ("human", "gpt"):
            if not by_role.get(role, "").strip():
                raise DataError(path, lineno, f"no {role} turn")
        ir = _ir_after_header(path, lineno, by_role["human"])
        items.append(_item("ir_to_cs", IR_INSTRUCTION, json.dumps(ir, indent=2), by_role["gpt"], ir, path, lineno))
    return items


def _pairs_with_lines(path, text: str):
    """(line, pair) for each element of the top-level "pairs" array, by decoding it element by element."""
    m = re.search(r'"pairs"\s*:\s*\[', text)
    if m is None:
        raise DataError(path, 1, "expected a JSON object with a \"pairs\" list")
    dec, i = json.JSONDecoder(), m.end()
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] == "]":
            return
        line = text.count("\n", 0, i) + 1
        try:
            pair, i = dec.raw_decode(text, i)
        except ValueError as exc:
            raise DataError(path, line, f"bad JSON in pairs: {exc}") from None
        yield line, pair


def read_calibration(path) -> list[dict]:
    try:
        text = open(path, encoding="utf-8").read()
        top = json.loads(text)
    except OSError as exc:
        raise DataError(path, None, f"cannot read: {exc}") from None
    except ValueError as exc:
        raise DataError(path, getattr(exc, "lineno", None), f"not JSON: {exc}") from None
    if not isinstance(top, dict) or not isinstance(top.get("pairs"), list):
        raise DataError(path, 1, "expected a JSON object with a \"pairs\" list")
    items = []
    for line, pair in _pairs_with_lines(path, text):
        for key, typ in (("prompt", str), ("ideal_ir", dict), ("good_code", str)):
            if not isinstance(pair, dict) or not isinstance(pair.get(key), typ):
                raise DataError(path, line, f"each pair needs {key!r} ({'object' if typ is dict else 'string'})")
        ir = check_ir(pair["ideal_ir"], path, line)
        items.append(_item("ir_to_cs", IR_INSTRUCTION, json.dumps(ir, indent=2), pair["good_code"], ir, path, line))
        items.append(_item("nl_to_ir", pair["prompt"], "", json.dumps(ir, indent=2), ir, path, line))
    return items


def _item(family, instruction, input_text, output, ir, path, line) -> dict:
    return {"family": family, "instruction": instruction, "input": input_text, "output": output, "ir": ir,
            "source": f"{path}:{line}", "license": SEED_LICENSE}


def read_seed(path) -> list[dict]:
    """Either format: a first line that is a whole JSON object is ShareGPT JSONL; else a file with a
    "pairs" key is the calibration file (errors then come from the reader that fits best)."""
    try:
        with open(path, encoding="utf-8") as fh:
            first, rest = fh.readline(), fh.read(1 << 20)
    except OSError as exc:
        raise DataError(path, None, f"cannot read: {exc}") from None
    try:
        json.loads(first)
        return read_sharegpt(path)
    except ValueError:
        pass
    return read_calibration(path) if '"pairs"' in first + rest else read_sharegpt(path)


def split(items: list[dict], eval_share: float = 0.15, seed: int = 3407) -> tuple[list[dict], list[dict]]:
    """(train, eval): groups of items linked by class name or IR go whole to one side."""
    parent = list(range(len(items)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    first: dict = {}
    for i, it in enumerate(items):
        for key in ("class:" + it["ir"]["class_name"], "ir:" + json.dumps(it["ir"], sort_keys=True)):
            parent[find(i)] = find(first.setdefault(key, i))
    groups: dict = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    order = sorted(groups.values(), key=lambda g: g[0])
    random.Random(seed).shuffle(order)
    want, eval_idx = round(eval_share * len(items)), set()
    for g in order:
        if len(eval_idx) >= want:
            break
        eval_idx.update(g)
    return ([it for i, it in enumerate(items) if i not in eval_idx], [it for i, it in enumerate(items) if i in eval_idx])
