"""Loading data brought from elsewhere: schema errors stop, data-quality defects are recorded and loaded.

Schema errors are problems with the file's form: bad JSON, a line over the size limit, a missing or
wrongly-typed field, an unknown family. The domain's parser raises DataError with file:line (exit 2).

Data-quality defects never stop loading; they are recorded on the item for the audit, check-refs and
the gates to report:
* a repeated id (two identical lines derive the same id): the later item gets its own stable id
  `<id>~2`, `<id>~3`, ... in file order, and `duplicate_of` = {"id", "line"} of the first;
* broken gold: `gold_defect` = {"status", "level", "reason", "line"}, set by the domain when its
  reference cannot be checked (Luanti: it does not apply or run; MCP: it calls a tool missing from the
  toolset). The domain's validator fails such a reference, so the gold ceiling counts it.
Every item records the `line` it came from.
"""
from __future__ import annotations

import hashlib

from core.errors import DataError
from core.files import iter_jsonl


def load_jsonl(path, parse) -> list[dict]:
    """Items of a JSONL file; `parse(obj, lineno)` returns one item with an `id` or raises DataError."""
    items, first = [], {}
    for lineno, obj in iter_jsonl(path):
        item = parse(obj, lineno)
        item["line"] = lineno
        base = item["id"]
        if base in first:
            n = 2
            while f"{base}~{n}" in first:
                n += 1
            item["id"] = f"{base}~{n}"
            item["duplicate_of"] = {"id": base, "line": first[base]}
        first[item["id"]] = lineno
        items.append(item)
    return items


def mark_gold_defect(item: dict, status: str, level: str, reason: str) -> dict:
    item["gold_defect"] = {"status": status, "level": level, "reason": reason, "line": item.get("line")}
    return item


def split_defective(items: list[dict]) -> tuple[list[dict], list[dict]]:
    """(items whose gold the loader could check, items it marked with `gold_defect`)."""
    return [it for it in items if "gold_defect" not in it], [it for it in items if "gold_defect" in it]


def _type_name(typ) -> str:
    return {str: "string", dict: "JSON object", list: "list"}.get(typ, typ.__name__)


def check_fields(path, lineno, obj: dict, required: dict, optional: dict, families, nonempty=()) -> None:
    """The common item checks (DataError, file:line): required fields present with their types,
    `family` one of `families`, the `nonempty` string fields not blank, optional fields typed."""
    for key, typ in required.items():
        if key not in obj:
            raise DataError(path, lineno, f"missing field {key!r}; expected {sorted(required)}")
        if not isinstance(obj[key], typ):
            raise DataError(path, lineno, f"field {key!r} must be a {_type_name(typ)}, got {type(obj[key]).__name__}")
    if obj["family"] not in families:
        raise DataError(path, lineno, f"unknown family {obj['family']!r}; expected one of {list(families)}")
    for key in nonempty:
        if not obj[key].strip():
            raise DataError(path, lineno, f"field {key!r} is empty")
    for key, typ in optional.items():
        if key in obj and not isinstance(obj[key], typ):
            raise DataError(path, lineno, f"field {key!r} must be a {_type_name(typ)}, got {type(obj[key]).__name__}")


def derive_id(item: dict) -> str:
    """A stable id from family, instruction and input: `<family>-<10 hex of sha1>`."""
    digest = hashlib.sha1((item["instruction"] + "\0" + item["input"]).encode("utf-8")).hexdigest()
    return f"{item['family']}-{digest[:10]}"
