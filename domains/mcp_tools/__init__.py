"""The MCP tool-calling domain: a request in, an ordered list of tool calls out, scored BFCL-style.

Data (JSONL, one item a line), OpenAI fine-tuning format as it is:
    {"messages": [{"role": "user", "content": "..."},
                  {"role": "assistant", "content": null, "tool_calls": [
                      {"id": "c1", "type": "function", "function": {"name": "mesen2.run",
                                                                   "arguments": "{\"frames\": 60}"}}]}],
     "tools": [...optional OpenAI or MCP tool list...],
     "metadata": {"id": "...", "family": "single|multi|sequence|none", "tools": ["candidate names"]}}
The LAST assistant message is the gold answer (its `tool_calls`, or its text when it makes no call);
everything before it is the prompt. An item's candidate tools are its own `tools`, else the names in
`metadata.tools` looked up in the toolset, else the whole toolset. Gold calls must name a candidate
tool and satisfy its schema; one that does not (e.g. calls a tool missing from the toolset) still loads,
marked as broken gold (domains/loading.py), and fails its own check. Bad form raises DataError
with file:line.

Toolset: `TOOLS=<file>` (env), `McpToolsDomain(tools=...)` or `.configure(tools=...)`; default
data/mcp_tools/tools.json. Specialist: `.configure(specialist="analysis|debug|editor")` (returns self)
changes the system prompt and what `select_training(items)` keeps; see specialists.py.
Scoring: `validate()` is scoring.score (BFCL-style AST match); `breakdown(items, results)` gives per-family,
per-tool, per-reason (and specialist focus) aggregates for the shared scorer.

Prompting: SmolLM2's chat template ignores `tools=` (checked: identical output with and without), so the
system prompt always carries the candidate tools as compact JSON lines, and `chat_kwargs` also passes them
as `tools=` (OpenAI format) for templates that render them. Output format: calls.py.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import DataError
from core.meta import ROOT
from domains.base import Domain, Result, Toolchain
from domains.loading import load_jsonl, mark_gold_defect
from domains.mcp_tools import scoring, specialists
from domains.mcp_tools.calls import ParseFailure, format_calls, parse_calls
from domains.mcp_tools.toolset import aliases, load_tools, parse_tools, prompt_block, to_openai

DEFAULT_TOOLS = "data/mcp_tools/tools.json"
DEFAULT_PROMPT = "domains/mcp_tools/prompts/default.txt"


def _family(n_calls: int) -> str:
    return "none" if n_calls == 0 else "single" if n_calls == 1 else "multi" if n_calls == 2 else "sequence"


@dataclass
class TrainingOptions:
    """MCP's own training keys (scripts/train.py --help lists them with the domain's flags)."""
    specialist: str = field(default="", metadata={"help": "train a specialist: analysis, debug or editor (its "
                                                          "system prompt and training mix); empty = the generalist"})


class McpToolsDomain(Domain):
    name = "mcp_tools"
    version = "1"
    families = ("single", "multi", "sequence", "none")
    levels = scoring.LEVELS
    default_train = "data/mcp_tools/train.jsonl"
    default_eval = "data/mcp_tools/eval.jsonl"
    demo_config = "training/smollm2-135m_mcp_tools_demo.yaml"
    demo_profiles = {"long": "training/smollm2-135m_mcp_tools_demo_long.yaml"}

    def __init__(self, tools=None, specialist=None):
        self.tools_path = None
        self.specialist_config = None
        self._toolset = None
        self.configure(tools=tools, specialist=specialist)

    def configure(self, tools=None, specialist=None):
        """Set the tools file and/or the specialist; returns self. None leaves a setting as it is."""
        if tools is not None:
            self.tools_path, self._toolset = str(tools), None
        if specialist is not None:
            self.specialist_config = specialists.specialist(specialist) if specialist else None
            self._check_focus()
        return self

    def training_options(self):
        return TrainingOptions

    def configure_training(self, options: dict) -> None:
        if options.get("specialist"):
            self.configure(specialist=options["specialist"])

    # --- toolset ------------------------------------------------------------------------------
    def _tools_file(self) -> Path:
        spec = self.tools_path or os.environ.get("TOOLS") or DEFAULT_TOOLS
        p = Path(spec)
        return p if p.is_absolute() else (Path.cwd() / p if p.exists() else ROOT / p)

    def toolset(self) -> list[dict]:
        if self._toolset is None:
            self._toolset = load_tools(self._tools_file())
        return self._toolset

    def _check_focus(self):
        cfg = self.specialist_config
        if cfg is None:
            return
        names = {t["name"] for t in self.toolset()}
        missing = [t for t in cfg["focus_tools"] if t not in names]
        if missing:
            raise DataError(self._tools_file(), None, f"specialist {cfg['name']!r} focuses on tools this "
                                                      f"toolset does not define: {', '.join(missing)}")

    # --- data ---------------------------------------------------------------------------------
    def load(self, path) -> list[dict]:
        """Schema errors raise DataError (file:line); repeated ids and gold calls to tools missing from
        the toolset load, recorded on the item (domains/loading.py)."""
        by_name = {t["name"]: t for t in self.toolset()}
        items = load_jsonl(path, lambda obj, lineno: self._item(obj, by_name, path, lineno))
        for item in items:
            why = item.pop("_gold_problem", None)
            if why:
                mark_gold_defect(item, "wrong_answer", "", why)
        return items

    def _item(self, obj, by_name, path, lineno) -> dict:
        msgs = obj.get("messages")
        if not isinstance(msgs, list) or not all(isinstance(m, dict) and "role" in m for m in msgs):
            raise DataError(path, lineno, "expected 'messages': a list of {role, content} objects")
        last = max((i for i, m in enumerate(msgs) if m["role"] == "assistant"), default=None)
        if last is None or not any(m["role"] == "user" for m in msgs[:last]):
            raise DataError(path, lineno, "expected a user message followed by the gold assistant message")
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        tools, unknown = self._item_tools(obj, meta, by_name, path, lineno)
        calls = _gold_calls(msgs[last], path, lineno)
        answer = msgs[last].get("content") or ""
        item = {"id": str(meta.get("id", obj.get("id", f"{Path(path).stem}-{lineno}"))),
                "family": str(meta.get("family", obj.get("family", _family(len(calls))))),
                "prompt": msgs[:last], "calls": calls, "answer": answer if not calls else "",
                "tools": tools, "metadata": meta}
        if isinstance(meta.get("style"), str) and meta["style"]:
            item["style"] = meta["style"]   # the request's register: its own slice in results and gate E
        problem = _gold_problem(calls, {t["name"]: t for t in tools}, unknown, self._tools_file())
        return {**item, "_gold_problem": problem} if problem else item

    def _item_tools(self, obj, meta, by_name, path, lineno) -> tuple[list[dict], list]:
        """(the item's candidate tools, names in metadata.tools that the toolset lacks)."""
        if obj.get("tools") is not None:
            return parse_tools(obj["tools"], f"{path}:{lineno}"), []
        names = meta.get("tools")
        if names is None:
            return list(by_name.values()), []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise DataError(path, lineno, "metadata.tools must be a list of tool names")
        return [by_name[n] for n in names if n in by_name], [n for n in names if n not in by_name]

    def build(self, out_dir) -> dict:
        from domains.mcp_tools.builder import build

        return build(Path(out_dir))

    def dedup_text(self, item: dict) -> str:
        request = " ".join(str(m.get("content") or "") for m in item["prompt"] if m["role"] == "user")
        calls = [{"name": c["name"], "arguments": scoring.normalise_args(
            c["arguments"], _schema(item, c["name"]))} for c in item["calls"]]
        return " ".join(request.lower().split()) + "\n" + json.dumps(calls, sort_keys=True)

    def select_training(self, items: list[dict]) -> list[dict]:
        """The training mix: all items, or for a specialist its focus items plus a share of the rest."""
        cfg = self.specialist_config
        return list(items) if cfg is None else specialists.select_training(items, cfg)

    # --- prompting ----------------------------------------------------------------------------
    def system_prompt(self, item: dict) -> str:
        own = next((m.get("content") for m in item["prompt"] if m["role"] == "system"), None)
        if own:
            return f"{own}\n\nTools (one JSON object per line):\n{prompt_block(item['tools'])}\n\n" \
                   + _FORMAT_HINT
        rel = self.specialist_config["prompt"] if self.specialist_config else DEFAULT_PROMPT
        template = (ROOT / rel).read_text(encoding="utf-8")
        return template.replace("{tools}", prompt_block(item["tools"])).rstrip("\n")

    def messages(self, item: dict) -> list[dict]:
        out = [{"role": "system", "content": self.system_prompt(item)}]
        for m in item["prompt"]:
            if m["role"] == "system":
                continue
            if m["role"] == "assistant" and m.get("tool_calls"):
                # earlier turns are shown in the same text format the model must produce
                out.append({"role": "assistant", "content": format_calls(_gold_calls(m, "prompt", None))})
            else:
                out.append({"role": m["role"], "content": str(m.get("content") or "")})
        return out

    def reference(self, item: dict) -> str:
        return format_calls(item["calls"]) if item["calls"] else item["answer"]

    def chat_kwargs(self, item: dict) -> dict:
        return {"tools": to_openai(item["tools"])}

    # --- free conversations (serve, chat) -----------------------------------------------------
    takes_tools = True

    def open_tools(self, tools=None) -> list[dict]:
        """The request's tools (OpenAI or MCP shape), else the domain's toolset."""
        return parse_tools(tools, "request 'tools'") if tools else self.toolset()

    def chat_messages(self, messages: list[dict], tools=None) -> list[dict]:
        """The system prompt with the tools, earlier assistant tool_calls in the trained text format, tool
        results as 'tool' turns. Raises DataError on malformed tools or tool_calls."""
        return self.messages({"prompt": messages, "tools": self.open_tools(tools)})

    def tool_calls(self, completion: str) -> list[dict]:
        parsed = parse_calls(completion)
        return [] if isinstance(parsed, ParseFailure) else parsed

    def request_facts(self, messages: list[dict], tools=None) -> list:
        from domains.mcp_tools.request import request_facts
        from domains.verdict import last_user

        return request_facts(last_user(messages), self.open_tools(tools))

    def item_request(self, item: dict) -> tuple[list[dict], object, list]:
        from domains.mcp_tools.request import item_facts

        return item["prompt"], to_openai(item["tools"]), item_facts(item["calls"], item["tools"])

    def validate_open(self, messages: list[dict], completion: str, tools=None) -> Result:
        """Parses, known tools, schemas (scoring.score_open), then the tools and values the request
        states (request.py) against the calls; `stated_facts` holds only when facts were read and met."""
        from domains.mcp_tools.calls import ParseFailure, parse_calls
        from domains.mcp_tools.request import missed
        from domains.verdict import with_facts

        cands = self.open_tools(tools)
        facts = self.request_facts(messages, tools)
        res = scoring.score_open(completion, cands)
        res.levels.pop("exact_match", None)   # nothing to match exactly without a gold answer
        parsed = parse_calls(completion)
        calls = None if isinstance(parsed, ParseFailure) or not res.levels.get("schema_valid") else \
            scoring._resolve(parsed, {t["name"]: t for t in cands}, aliases(cands))
        return with_facts(res, "stated_facts", facts, None if calls is None else missed(facts, calls))

    # --- checking -----------------------------------------------------------------------------
    def validate(self, item: dict, completion: str) -> Result:
        if "gold_defect" in item:   # the gold answer itself is wrong: nothing can match it
            return scoring.broken_gold(item["gold_defect"]["reason"], len(item["calls"]))
        return scoring.score(completion, item["calls"], item["tools"])

    def template_text(self, item: dict) -> str:
        from domains.shape import shape

        request = " ".join(str(m.get("content") or "") for m in item["prompt"] if m["role"] == "user")
        return shape(request) + "\n" + json.dumps([[c["name"], sorted(c["arguments"])] for c in item["calls"]])

    def breakdown(self, items: list[dict], results: list) -> dict:
        focus = self.specialist_config["focus_tools"] if self.specialist_config else ()
        return scoring.breakdown(items, results, focus)

    def toolchains(self) -> list[Toolchain]:
        return [Toolchain("jsonschema", _jsonschema_ok, "pip install jsonschema (in env/ locks)")]

    def describe(self) -> dict:
        d = super().describe()
        d.update({"tools_file": str(self._tools_file()),
                  "specialist": self.specialist_config["name"] if self.specialist_config else None})
        return d


_FORMAT_HINT = ("Write each call on its own line, in the order they must run, exactly as:\n"
                '<tool_call>{"name": "<tool name>", "arguments": {<arguments as JSON>}}</tool_call>')


def _schema(item, name):
    return next((t["parameters"] for t in item["tools"] if t["name"] == name), {})


def _gold_calls(msg: dict, path, lineno) -> list[dict]:
    out = []
    for i, tc in enumerate(msg.get("tool_calls") or [], 1):
        fn = tc.get("function") if isinstance(tc, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise DataError(path, lineno, f"tool_calls[{i}]: expected {{'type': 'function', 'function': "
                                          "{'name', 'arguments'}}")
        args = fn.get("arguments", {})
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except json.JSONDecodeError as exc:
                raise DataError(path, lineno, f"tool_calls[{i}] ({fn['name']}): arguments are not a JSON "
                                              f"string: {exc.msg}") from exc
        if not isinstance(args, dict):
            raise DataError(path, lineno, f"tool_calls[{i}] ({fn['name']}): arguments must be a JSON object")
        out.append({"name": fn["name"], "arguments": args})
    return out


def _gold_problem(calls, cand: dict, unknown: list, tools_file) -> str:
    """Why the gold answer cannot be right (a data-quality defect, not a schema error), or ''."""
    missing = [c["name"] for c in calls if c["name"] not in cand]
    if missing:
        return f"gold calls tool(s) missing from the item's tools: {', '.join(missing)} (toolset {tools_file})"
    if unknown:
        return f"metadata.tools names tool(s) missing from the toolset {tools_file}: {', '.join(unknown)}"
    for c in calls:
        errs = scoring.schema_errors(c["arguments"], cand[c["name"]]["parameters"])
        if errs:
            return f"gold call {c['name']!r} breaks its schema: {errs[0][1]}"
    return ""


def _jsonschema_ok():
    try:
        import jsonschema  # noqa: F401
    except ImportError as exc:
        return False, str(exc)
    return True, "jsonschema importable"
