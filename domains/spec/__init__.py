"""A domain declared in a YAML spec file instead of Python: `DOMAIN=path/to/<name>.yaml` (or a registry
line mapping a name to the file). docs/own-domain.md is the user's guide.

The spec names the data (one of the chat formats of formats.py, recognised per file), the system prompt,
how the answer is taken from a completion (answer.py), the family and phrasing-register fields, and the
checks (checks.py; each one level, in order, first failure gives the status). Levels: `extracts` (an
answer of the declared form is found) then one per check. What it does not check is whatever the
user's checks do not: a spec with only `parses` proves only that the answer parses.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from core.errors import DataError, UserError
from domains.base import Domain, Result, Toolchain
from domains.loading import load_jsonl
from domains.spec import answer as A
from domains.spec import checks as C
from domains.spec.formats import FormatTracker
from domains.spec.specfile import load_spec

_FORMAT_KEYS = ("messages", "conversations", "prompt", "completion", "tools")


class SpecDomain(Domain):
    def __init__(self, path, registered_as: str = ""):
        self.spec = load_spec(path)
        self.name, self.version = self.spec.name, self.spec.version
        self.key = registered_as or str(self.spec.path)   # what --domain / DOMAIN= / a training YAML say
        self.levels = ("extracts",) + tuple(c.get("level") or c["kind"] for c in self.spec.checks)
        if len(set(self.levels)) != len(self.levels):
            raise UserError(f"{self.spec.path}: two checks share a level name {list(self.levels)}; give each a "
                            "distinct `level:`")
        self.default_train, self.default_eval = str(self.spec.resolve(self.spec.train)), str(self.spec.resolve(self.spec.eval))
        self.demo_limit = self.spec.demo_limit
        self.families = ("all",) if not self.spec.family_field else ()
        self.stop_strings = ()

    # --- data -------------------------------------------------------------------------------
    def _parse(self, path, tracker, obj, lineno) -> dict:
        norm = tracker(obj, lineno)
        fields = {k: v for k, v in obj.items() if k not in _FORMAT_KEYS}
        item = {"prompt": norm["prompt"], "answer": norm["answer"], "tools": norm["tools"], "fields": fields}
        item["family"] = self._field(path, lineno, obj, self.spec.family_field) if self.spec.family_field else "all"
        if self.spec.style_field and obj.get(self.spec.style_field) is not None:
            item["style"] = self._field(path, lineno, obj, self.spec.style_field)
        digest = hashlib.sha1(json.dumps(norm["prompt"], sort_keys=True).encode("utf-8")).hexdigest()[:10]
        item["id"] = str(obj.get("id") or f"{item['family']}-{digest}")
        return item

    @staticmethod
    def _field(path, lineno, obj, name) -> str:
        if not isinstance(obj.get(name), str) or not obj[name]:
            raise DataError(path, lineno, f"field {name!r} (named by the spec) must be a non-empty string")
        return obj[name]

    def load(self, path) -> list[dict]:
        tracker = FormatTracker(path)
        items = load_jsonl(path, lambda obj, lineno: self._parse(path, tracker, obj, lineno))
        if self.spec.family_field:
            self.families = tuple(sorted(set(self.families) | {it["family"] for it in items}))
        return items

    def build(self, out_dir: Path) -> dict:
        """Runs the spec's `build` command ({out} = out_dir, {spec_dir}; `python` = this interpreter)."""
        if not self.spec.build:
            raise UserError(f"{self.spec.path}: no `build:` command; this domain's data is not rebuilt")
        argv = [sys.executable if a == "python" else str(a).replace("{out}", str(out_dir))
                .replace("{spec_dir}", str(self.spec.folder)) for a in self.spec.build]
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            raise UserError(f"{self.spec.path}: build command {argv} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        try:
            return json.loads(proc.stdout)
        except ValueError:
            return {"output": proc.stdout[-2000:]}

    def dedup_text(self, item: dict) -> str:
        return "\n".join(m["content"] for m in item["prompt"] if m["role"] == "user")

    # --- prompting ----------------------------------------------------------------------------
    def messages(self, item: dict) -> list[dict]:
        has_system = any(m["role"] == "system" for m in item["prompt"])
        head = [] if has_system or not self.spec.system else [{"role": "system", "content": self.spec.system.strip()}]
        return head + [dict(m) for m in item["prompt"]]

    def reference(self, item: dict) -> str:
        return A.gold_text(self.spec.answer, item["answer"])

    def chat_kwargs(self, item: dict) -> dict:
        return {"tools": item["tools"]} if item.get("tools") else {}

    def chat_messages(self, messages: list[dict], tools=None) -> list[dict]:
        return self.messages({"prompt": super().chat_messages(messages, tools)})

    def answer_done(self, item: dict):
        return A.closed(self.spec.answer)

    # --- checking -----------------------------------------------------------------------------
    def _run(self, item, completion: str, checks: list) -> Result:
        from domains.spec.runners import RUNNERS

        got = A.extract(self.spec.answer, completion)
        levels = {lv: False for lv in ["extracts"] + [c.get("level") or c["kind"] for c in checks]}
        if got is None:
            return Result("format_error", f"no answer of the form {self.spec.answer} found", "", levels)
        levels["extracts"] = True
        ref = A.extract(self.spec.answer, self.reference(item)) if item and "answer" in item else None
        ctx = C.Context(got[0], got[1], (item or {}).get("fields", {}), ref, str(self.spec.folder))
        reached = "extracts"
        for chk in checks:
            level = chk.get("level") or chk["kind"]
            try:
                passed, status, detail = RUNNERS[chk["kind"]](chk, ctx)
            except UserError as exc:  # a spec that cannot be applied to this item: say where both are
                where = f"line {item['line']}" if item and item.get("line") else "a free answer"
                raise UserError(f"{self.spec.path}: {exc} (item {(item or {}).get('id', '?')}, {where})") from None
            if not passed:
                return Result(status, detail, reached, levels)
            levels[level], reached = True, level
        return Result("ok", "", reached, levels)

    def validate(self, item: dict, completion: str) -> Result:
        self._require_tools()
        return self._run(item, completion, self.spec.checks)

    def validate_open(self, messages: list[dict], completion: str, tools=None) -> Result:
        """The checks that need no gold (checks.needs_gold), on a free answer."""
        self._require_tools()
        return self._run(None, completion, [c for c in self.spec.checks if not C.needs_gold(c)])

    def toolchains(self) -> list[Toolchain]:
        from domains.spec.tools import toolchains

        return toolchains(self.spec)

    # --- training -----------------------------------------------------------------------------
    def default_training_config(self) -> str:
        from domains.spec.tools import write_training_config

        return write_training_config(self)

    @property
    def demo_config(self) -> str:
        return self.default_training_config() if self.spec.training else ""

    def describe(self) -> dict:
        return {**super().describe(), "spec": str(self.spec.path), "answer": self.spec.answer,
                "checks": [c.get("level") or c["kind"] for c in self.spec.checks]}
