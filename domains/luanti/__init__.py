"""The Luanti (Minetest) mod domain: scaffold / repair / doc tasks scored by running the code.

Validation levels, in order (repair adds "applies" after "extracts"):
  extracts            a ```lua block (for repair: SEARCH/REPLACE blocks, a unified diff or the whole
                      fixed file, extract.extract_edit) is found in the completion
  applies             (repair) the edit applies to the input: every SEARCH text found exactly once
                      (domains/edit.py), or the diff parses and applies (patch -p1); the whole fixed
                      file applies trivially
  parses              LuaJIT's parser accepts the code
  runs                the load-time code runs in the sandbox against the mock Luanti API
  meets_expectations  the recorded API calls deep-contain the item's `expect` (see expect.py)
A repair whose applied code equals the input (domains/edit.py's no-op rule) is `wrong_answer`, "the answer
leaves the input unchanged", at level applies.
  server_loads        (optional, validate(..., server=True)) a real headless Luanti server loads it
What it does not check: behaviour after load (callbacks are recorded, not run), textures, game feel.

Item schema and expectation semantics: data/luanti/README.md and expect.py.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import DataError
from domains.base import Domain, Option, Result, Toolchain, ToolMissing
from domains.edit import no_change, unchanged
from domains.loading import check_fields, derive_id, load_jsonl, mark_gold_defect

FAMILIES = ("scaffold", "repair", "doc")
LEVELS = ("extracts", "parses", "runs", "meets_expectations")
REPAIR_LEVELS = ("extracts", "applies", "parses", "runs", "meets_expectations")
MAX_CODE_BYTES = 200_000
_REQUIRED = {"family": str, "instruction": str, "input": str, "output": str}
_OPTIONAL = {"id": str, "expect": dict, "source": str, "license": str}


def _lupa_ok() -> tuple[bool, str]:
    try:
        from lupa import luajit21
    except ImportError as exc:
        return False, f"lupa's LuaJIT 2.1 runtime is not importable ({exc}); pip install lupa"
    return True, f"lupa.luajit21 {luajit21.LuaRuntime().eval('jit.version')}"


def _check_expect(path, lineno, expect: dict):
    calls = expect.get("calls")
    if not isinstance(calls, list):
        raise DataError(path, lineno, "field 'expect' must be an object with a list 'calls'")
    for i, e in enumerate(calls):
        if not isinstance(e, dict) or not isinstance(e.get("api"), str) or not e["api"]:
            raise DataError(path, lineno, f"expect.calls[{i}] must be an object with a string 'api'")
        for key, typ in (("name", str), ("fields", dict), ("args", list)):
            if key in e and not isinstance(e[key], typ):
                raise DataError(path, lineno, f"expect.calls[{i}].{key} must be a {typ.__name__}, "
                                              f"got {type(e[key]).__name__}")


class LuantiDomain(Domain):
    name = "luanti"
    version = "luanti-v2"
    families = FAMILIES
    edit_families = ("repair",)
    levels = LEVELS
    script_options = {
        "check_references": (Option("--server", "server", "also load each reference in a real headless Luanti "
                                    "server (slow; needs minetest-server)"),),
        "build_data": (Option("--train-per-family", "train_per_family", "N training items per family instead "
                              "of the shipped 230 (the eval set does not change; training items that nearly "
                              "repeat an eval item are dropped)", int),),
    }
    default_train = "data/luanti/train.jsonl"
    default_eval = "data/luanti/eval.jsonl"
    demo_config = "training/smollm2-135m_luanti_demo.yaml"
    demo_profiles = {"long": "training/smollm2-135m_luanti_demo_long.yaml"}

    # --- data -------------------------------------------------------------------------------
    def load(self, path) -> list[dict]:
        """Schema errors raise DataError (file:line); duplicates and references that do not run load,
        recorded on the item (domains/loading.py)."""
        items = load_jsonl(path, lambda obj, lineno: self._check_item(path, lineno, obj))
        from domains.luanti.expect import stated_only

        for item in items:
            if "expect" not in item:
                derived = self._derive_expect(item)
                item["expect_derived"] = derived is not None
                if derived is not None:   # check only what the instruction states (expect.stated_only)
                    derived, item["expect_facts"] = stated_only(derived, item["instruction"] + "\n" + item["input"],
                                                                item["instruction"])
                item["expect"] = derived
        return items

    def data_notes(self, items: list[dict]) -> dict:
        """How many items carry an explicit `expect`, how many had it derived from their reference, and
        how many have none (the reference did not run)."""
        derived = sum(bool(it.get("expect_derived")) for it in items)
        missing = sum(it.get("expect") is None for it in items)
        facts = [it["expect_facts"] for it in items if it.get("expect_facts")]
        notes = {"expect_explicit": len(items) - derived - missing, "expect_derived": derived,
                 **({"expect_missing": missing} if missing else {})}
        if facts:   # where each derived fact came from: the reference's run, kept only when stated
            notes["expect_derived_facts"] = {
                "kept_stated": sum(len(f["kept"]) for f in facts),
                "dropped_not_stated": sum(len(f["dropped"]) for f in facts),
                "example": next(({"id": it["id"], **it["expect_facts"]} for it in items if it.get("expect_facts")), None)}
        return notes

    def _check_item(self, path, lineno, obj: dict) -> dict:
        check_fields(path, lineno, obj, _REQUIRED, _OPTIONAL, FAMILIES, nonempty=("instruction", "output"))
        if "expect" in obj:
            _check_expect(path, lineno, obj["expect"])
        item = dict(obj)
        if not item.get("id"):
            item["id"] = derive_id(item)
        return item

    def _derive_expect(self, item: dict) -> dict | None:
        """Expectations from running the reference; None, with the item marked, when it does not run."""
        from domains.luanti import expect, sandbox

        levels = dict.fromkeys(self.levels_for(item), False)
        levels["extracts"] = True
        code = item["output"]
        if item["family"] == "repair":
            code, fail = _apply_repair(item["input"], item["output"], levels)
            if fail is not None:
                return _no_expect(item, _result(fail[0], f"the reference edit does not apply: {fail[1]}", levels))
        res = sandbox.get_pool().run(code, "mymod")
        if res["status"] != "ok":
            levels["parses"] = res["status"] != "syntax_error"
            return _no_expect(item, _result(res["status"], f"the reference does not run in the sandbox: "
                                                            f"{res['detail']}", levels))
        return expect.derive_expect(res["calls"])

    def build(self, out_dir: Path, train_per_family: int | None = None) -> dict:
        from domains.luanti.build import build   # the data builder needs the Debian packages

        return build(Path(out_dir), train_per_family=train_per_family)

    # --- prompting ----------------------------------------------------------------------------
    def modname(self, item: dict, code: str = "") -> str | None:
        """The mod the code loads as. An item that leaves the prefix open (expected names "*:suffix") or
        is a plain request (the `forum` register, build_forum.py: a forum post names no mod) states none
        to the model (None, no "Mod name:" line) and loads as the mod its answer names."""
        from domains.luanti.build_forum import STYLE as FORUM
        from domains.luanti.expect import modname_for, open_prefix

        if item.get("modname"):
            return item["modname"]
        plain = item.get("style") == FORUM
        if not code and (plain or open_prefix(item.get("expect"))):
            return None
        return modname_for(item.get("expect"), code=code, open_=plain)

    def messages(self, item: dict) -> list[dict]:
        from domains.luanti import prompt

        return [{"role": "system", "content": prompt.system_prompt(item["family"])},
                {"role": "user", "content": prompt.user_message(item["family"], item["instruction"],
                                                                item["input"], self.modname(item))}]

    def reference(self, item: dict) -> str:
        return item["output"]

    def chat_messages(self, messages: list[dict], tools=None) -> list[dict]:
        """The conversation as given, behind the system prompt the adapter was trained with (unless the
        client sends its own)."""
        from domains.luanti import prompt

        out = super().chat_messages(messages)
        if not any(m["role"] == "system" for m in out):
            out.insert(0, {"role": "system", "content": prompt.system_prompt("scaffold")})
        return out

    single_turn = True

    def request_facts(self, messages: list[dict], tools=None) -> list:
        from domains.luanti import request
        from domains.verdict import last_user

        return [f for f, _ in request.facts(request.request_expect(last_user(messages)))]

    def item_request(self, item: dict) -> tuple[list[dict], object, list]:
        """The request as the model sees it (instruction and input); the item's expectation facts that
        the request states (expect.stated_only, the rule derived expectations use)."""
        from domains.luanti import request
        from domains.luanti.expect import stated_only

        text = item["instruction"] + ("\n\n" + item["input"] if item["input"] else "")
        stated, _ = stated_only(item.get("expect") or {"calls": []}, text)
        return [{"role": "user", "content": text}], None, [f for f, _ in request.facts(stated)]

    def validate_open(self, messages: list[dict], completion: str, tools=None) -> Result:
        """A free prompt: extracts, parses and runs are checked, then each fact the request states
        (request.py) against the recorded calls; meets_expectations holds only when at least one fact
        was read and all are met (domains/verdict.py)."""
        from domains.luanti import expect, request, sandbox
        from domains.luanti.extract import extract
        from domains.verdict import last_user, with_facts

        pairs = request.facts(request.request_expect(last_user(messages)))
        named = expect.REGISTERED_PREFIX.search(completion or "")
        item = {"id": "chat", "family": "scaffold", "instruction": last_user(messages) or "chat", "input": "",
                "expect": {"calls": []}, "modname": named.group(1) if named else "mymod"}
        res = self.validate(item, completion)
        missed = None
        if res.levels.get("runs"):
            # validate() keeps no calls; a second sandbox run (milliseconds) records them for the facts
            calls = sandbox.get_pool().run(extract(completion, "lua"), item["modname"])["calls"]
            missed = [f for f, one in pairs if not expect.match_calls(one, calls)[0]]
        return with_facts(res, "meets_expectations", [f for f, _ in pairs], missed)

    # --- checking -----------------------------------------------------------------------------
    def levels_for(self, item: dict) -> tuple:
        return REPAIR_LEVELS if item.get("family") == "repair" else LEVELS

    def validate(self, item: dict, completion: str, server: bool = False) -> Result:
        ok, why = _lupa_ok() if not getattr(self, "_lupa_checked", False) else (True, "")
        if not ok:
            raise ToolMissing(why)
        self._lupa_checked = True
        levels = dict.fromkeys(self.levels_for(item) + (("server_loads",) if server else ()), False)
        code, fail = self._code_from(item, completion, levels)
        if fail is not None:
            return fail
        if item["family"] in self.edit_families:
            # the commonest wrong repair of a small model: a block that quotes a line and changes nothing
            if unchanged(item["input"], code):
                return no_change(levels)
            res = self._run_checks(item, code, levels, server)
            res.metrics["edit_no_change"] = 0
            return res
        return self._run_checks(item, code, levels, server)

    def input_result(self, item: dict) -> Result | None:
        """The repair item's broken input run through parses, runs and meets_expectations as it is."""
        if item.get("family") not in self.edit_families:
            return None
        levels = dict.fromkeys(self.levels_for(item), False)
        levels["extracts"] = levels["applies"] = True
        return self._run_checks(item, str(item["input"]), levels, False)

    def answer_done(self, item: dict):
        """Scoring reads only extract(completion): stop once the block it picks is closed."""
        from functools import partial

        from domains.luanti.extract import answered

        from domains.luanti.extract import answered_edit

        return answered_edit if item["family"] == "repair" else partial(answered, kind="lua")

    def _code_from(self, item, completion, levels):
        from domains.luanti.extract import extract

        if item["family"] == "repair":
            code, fail = _apply_repair(item["input"], completion or "", levels)
            if fail is not None:
                return None, _result(*fail, levels)
        else:
            code = extract(completion or "", "lua")
            if code is None:
                return None, _result("format_error", "no Lua code found in the completion", levels)
            levels["extracts"] = True
        if len(code.encode("utf-8")) > MAX_CODE_BYTES:
            return None, _result("resource_limit", f"code is over {MAX_CODE_BYTES:,} bytes", levels)
        return code, None

    def _run_checks(self, item, code, levels, server):
        from domains.luanti import expect, sandbox

        modname = self.modname(item, code)
        res = sandbox.get_pool().run(code, modname)
        metrics = {"sandbox_seconds": res.get("seconds", 0.0), "calls": len(res["calls"])}
        if res["status"] == "syntax_error":
            return _result("syntax_error", res["detail"], levels, metrics)
        levels["parses"] = True
        if res["status"] != "ok":
            return _result(res["status"], res["detail"], levels, metrics)
        levels["runs"] = True
        if item.get("expect") is None and "gold_defect" in item:
            return _result("wrong_answer", "no expectations to check: the item's own reference does not run "
                           f"({item['gold_defect']['reason'][:200]})", levels, metrics)
        matched, why = expect.match_calls(item.get("expect"), res["calls"])
        if not matched:
            return _result("wrong_answer", why, levels, metrics)
        levels["meets_expectations"] = True
        if server:
            from domains.luanti import server as real

            srv = real.load_mod(code, modname)
            metrics.update(srv.metrics)
            if not srv.passed:
                return _result(srv.status, srv.detail, levels, metrics)
            levels["server_loads"] = True
        return _result("ok", "", levels, metrics)

    def toolchains(self) -> list[Toolchain]:
        from domains.luanti import server

        return [Toolchain("lupa-luajit21", _lupa_ok, "pip install lupa (pinned in env/cpu.lock)"),
                Toolchain("luanti-server", server.available, server.INSTALL_HINT, required=False)]


def _apply_repair(source: str, answer: str, levels: dict):
    """(fixed code, None) or (None, (status, detail)) for a repair answer: SEARCH/REPLACE blocks, a
    unified diff or the whole fixed file (extract.extract_edit); sets levels extracts and applies."""
    from domains.edit import EditFailed, apply_blocks
    from domains.luanti.extract import extract_edit
    from domains.patch import HunkFailed, PatchError, patch_text

    found = extract_edit(answer)
    if found is None:
        return None, ("format_error", "no SEARCH/REPLACE block, unified diff or Lua code found in the completion")
    levels["extracts"] = True
    kind, body = found
    try:
        code = apply_blocks(source, body) if kind == "blocks" else patch_text(source, body) if kind == "diff" \
            else body
    except (EditFailed, HunkFailed) as exc:
        return None, ("wrong_answer", f"{'edit' if kind == 'blocks' else 'diff'} does not apply: {exc}")
    except PatchError as exc:
        return None, ("format_error", f"bad diff: {exc}")
    levels["applies"] = True
    return code, None


def _no_expect(item: dict, res: Result) -> None:
    mark_gold_defect(item, res.status, res.level, res.detail)
    return None


def _result(status: str, detail: str, levels: dict, metrics: dict | None = None) -> Result:
    reached = [name for name, ok in levels.items() if ok]
    return Result(status, detail, level=reached[-1] if reached else "", levels=dict(levels),
                  metrics=metrics or {})
