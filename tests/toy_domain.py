"""A tiny test domain: each item asks for one word; the validator checks the exact answer.

Used only by the eval tests, so nothing there depends on the real domains being finished. Register it
with the `toy_domain` fixture in the eval tests (monkeypatches domains.REGISTRY/_cache).
"""
from __future__ import annotations

from core.errors import DataError
from core.files import iter_jsonl
from domains.base import Domain, Result, ToolMissing

REQUIRED = ("id", "family", "prompt", "answer")


class ToyDomain(Domain):
    name = "toy"
    version = "1"
    families = ("animals", "colors")
    levels = ("answered", "exact")
    stop_strings = ("\n\n",)

    def load(self, path):
        items = []
        for lineno, obj in iter_jsonl(path):
            missing = [k for k in REQUIRED if k not in obj]
            if missing:
                raise DataError(path, lineno, f"missing key(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}")
            if not isinstance(obj["answer"], str):
                raise DataError(path, lineno, "'answer' must be a string")
            items.append(dict(obj))
        return items

    def dedup_text(self, item):
        return item["prompt"]

    def messages(self, item):
        return [{"role": "system", "content": "Answer with one word."},
                {"role": "user", "content": item["prompt"]}]

    def reference(self, item):
        return item["answer"]

    def validate(self, item, completion):
        text = completion.strip()
        answered = bool(text)
        exact = text.lower() == item["answer"].lower()
        levels = {"answered": answered, "exact": exact}
        if not answered:
            return Result("format_error", "empty answer", "", levels)
        if not exact:
            return Result("wrong_answer", f"expected {item['answer']!r}", "answered", levels,
                          {"length": len(text)})
        return Result("ok", "", "exact", levels, {"length": len(text)})


class NoToolDomain(ToyDomain):
    """Its validator's toolchain is 'missing'."""
    name = "toy_notool"

    def validate(self, item, completion):
        raise ToolMissing("toycc not found on PATH (apt-get install toycc)")
