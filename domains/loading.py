"""Loading data brought from elsewhere: schema errors stop, data-quality defects are recorded and loaded.

Schema errors are problems with the file's form: bad JSON, a line over the size limit, a missing or
wrongly-typed field, an unknown family. The domain's parser raises DataError with file:line (exit 2).

Data-quality defects never stop loading; they are recorded on the item for the audit, check-refs and
the gates to report:
* a repeated id (two identical lines derive the same id): the later item gets its own stable id
  `<id>~2`, `<id>~3`, ... in file order, and `duplicate_of` = {"id", "line"} of the first;
* a repeat a preparer recorded in the file (Flutter's `prepare`: the same instruction and path again)
  keeps its id; its `duplicate_of` (an id, or {"id", "line"}) is read into the same shape, the line
  being the first item's line in this file (None when it is in another file). One shape in every
  domain (`mark_duplicate`), one wording (`duplicate_note`);
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
        if "duplicate_of" in item:   # recorded by a preparer
            _read_duplicate(item, first, path, lineno)
        if isinstance(item.get("gold_defect"), dict) and item["gold_defect"].get("line") is None:
            item["gold_defect"]["line"] = lineno
        base = item["id"]
        if base in first:
            n = 2
            while f"{base}~{n}" in first:
                n += 1
            item["id"] = f"{base}~{n}"
            mark_duplicate(item, base, first[base])
        first[item["id"]] = lineno
        items.append(item)
    return items


def _read_duplicate(item: dict, first: dict, path, lineno) -> None:
    rec = item["duplicate_of"]
    first_id = rec.get("id") if isinstance(rec, dict) else rec
    if not isinstance(first_id, str) or not first_id:
        raise DataError(path, lineno, "field 'duplicate_of' must be the id of an earlier item or "
                                      f"{{\"id\", \"line\"}}, got {str(rec)[:80]}")
    mark_duplicate(item, first_id, first.get(first_id))


def mark_duplicate(item: dict, first_id: str, first_line: int | None) -> dict:
    """Record that `item` repeats the item `first_id` (on `first_line` of the same file, or None)."""
    item["duplicate_of"] = {"id": first_id, "line": first_line}
    return item


def duplicate_note(item: dict) -> str:
    """'line 7 <id> repeats <first id> (line 3)': how the audit and check-refs name a repeat."""
    rec = item["duplicate_of"]
    where = f"line {rec['line']}" if rec.get("line") else "not in this file"
    return f"line {item.get('line') or '-'} {item['id']} repeats {rec['id']} ({where})"


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
