"""Preference pairs JSONL -> a TRL conversational preference dataset, with the quality defects counted.

A line is `{"prompt", "chosen", "rejected"}` (extra keys, e.g. validator results, are kept in the file and
ignored here). `prompt` is a string (one user turn) or a list of chat messages ending with a user turn;
`chosen` and `rejected` are strings or a one-message assistant list. That covers the seed's DPO export
(plain strings) and the validator-made pairs of `make prefs` (the domain's messages).

Schema errors stop with file:line (DataError). Quality defects load and are counted, never silently
dropped: a pair whose chosen equals its rejected teaches nothing and is left out; a repeated pair (same
prompt, chosen and rejected) is left out after its first line. The record names both counts with lines.
What it does not check: that chosen is really better than rejected (`make prefs` records the validator
results that say so; given pairs are taken as they are).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.errors import DataError
from core.files import iter_jsonl, sha256_file


def _messages(value, path, lineno, key: str, role: str) -> list[dict]:
    if isinstance(value, str):
        if not value.strip():
            raise DataError(path, lineno, f"{key!r} is empty")
        return [{"role": role, "content": value}]
    if not isinstance(value, list) or not value or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in value):
        raise DataError(path, lineno, f"{key!r} must be a string or a list of {{role, content}} messages")
    if value[-1]["role"] != role:
        raise DataError(path, lineno, f"{key!r} must end with a {role} message, ends with {value[-1]['role']!r}")
    if role == "assistant" and len(value) != 1:
        raise DataError(path, lineno, f"{key!r} must be one assistant message, got {len(value)} messages")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def read_pairs(path) -> tuple[list[dict], dict]:
    """(rows {prompt, chosen, rejected} as chat messages, record {path, sha256, lines, pairs, defects})."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "preference file not found (make prefs writes one; or pass a JSONL of "
                                    "{prompt, chosen, rejected})")
    rows, seen, same, repeated, lines = [], {}, [], [], 0
    for lineno, obj in iter_jsonl(path):
        lines += 1
        missing = [k for k in ("prompt", "chosen", "rejected") if k not in obj]
        if missing:
            raise DataError(path, lineno, f"missing {', '.join(missing)}; expected prompt, chosen, rejected")
        row = {"prompt": _messages(obj["prompt"], path, lineno, "prompt", "user"),
               "chosen": _messages(obj["chosen"], path, lineno, "chosen", "assistant"),
               "rejected": _messages(obj["rejected"], path, lineno, "rejected", "assistant")}
        if row["chosen"][0]["content"].strip() == row["rejected"][0]["content"].strip():
            same.append(lineno)
            continue
        key = hashlib.sha1(json.dumps(row, sort_keys=True).encode()).hexdigest()
        if key in seen:
            repeated.append({"line": lineno, "first": seen[key]})
            continue
        seen[key] = lineno
        rows.append(row)
    if not rows:
        raise DataError(path, None, f"no usable preference pair in {lines} lines "
                                    f"({len(same)} with chosen = rejected, {len(repeated)} repeated)")
    record = {"path": str(path), "sha256": sha256_file(path), "lines": lines, "pairs": len(rows),
              "defects": {"chosen_equals_rejected": {"count": len(same), "lines": same[:20]},
                          "repeated": {"count": len(repeated), "lines": repeated[:20]}}}
    return rows, record
