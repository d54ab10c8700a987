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
