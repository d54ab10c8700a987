"""The assistant's output format, and a robust parser of model completions into tool calls.

Output format (what `reference()` produces and training teaches), as Hermes/Qwen do, one line per call
in the order the calls must run:

    <tool_call>{"name": "mesen2.run", "arguments": {"frames": 60}}</tool_call>

SmolLM2's chat template has no tool-call format of its own (it ignores `tool_calls`), so this plain-text
form is used with every template. `parse_calls` also accepts what models commonly write instead: an
unterminated last `<tool_call>` block, JSON in ``` fences, a bare JSON object or list (with text around
it), OpenAI-shaped calls (`{"function": {"name", "arguments": "<JSON string>"}}`), `{"tool_calls": [...]}`,
and `parameters`/`args` for `arguments`.

Hostile output never raises: too large (> MAX_CHARS), nested deeper than MAX_DEPTH, or not JSON gives a
`ParseFailure` with a reason. Not checked here: whether the calls are right (see scoring.py).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

MAX_CHARS = 20_000        # a tool-call answer is a few hundred characters; beyond this it is runaway text
MAX_DEPTH = 24            # real arguments nest 2-3 levels; deeper is hostile (and json recursion-unsafe)
MAX_SCANS = 64            # bound the bare-JSON search so "{{{{..." costs linear time, not quadratic

_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|(?=<tool_call>)|\Z)", re.S)
_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.S)


@dataclass
class ParseFailure:
    reason: str      # output_too_large | too_deeply_nested | invalid_json | not_a_call | no_tool_call
    detail: str


def format_calls(calls: list[dict]) -> str:
    """Gold assistant text for a list of {"name", "arguments": dict} calls."""
    return "\n".join("<tool_call>" + json.dumps({"name": c["name"], "arguments": c["arguments"]},
                                                ensure_ascii=False) + "</tool_call>" for c in calls)


def _brackets(text: str, start: int = 0):
    """(index, depth after it) for every bracket outside JSON strings, from `start` on."""
    depth, in_str, esc = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{]}":
            depth += 1 if ch in "[{" else -1
            yield i, depth


def _depth(text: str) -> int:
    return max((d for _, d in _brackets(text)), default=0)


def _loads(text: str):
    if _depth(text) > MAX_DEPTH:
        raise _Fail("too_deeply_nested", f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _Fail("invalid_json", f"not valid JSON: {str(exc)[:120]}") from None


class _Fail(Exception):
    def __init__(self, reason, detail):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def _to_calls(value) -> list[dict]:
    """Turn a parsed JSON value into [{"name", "arguments"}]; raise _Fail if it is not call-shaped."""
    if isinstance(value, list):
        return [c for v in value for c in _to_calls(v)]
    if not isinstance(value, dict):
        raise _Fail("not_a_call", f"expected a call object, got {type(value).__name__}")
    if isinstance(value.get("tool_calls"), list):
        return _to_calls(value["tool_calls"])
    if isinstance(value.get("function"), dict):
        value = value["function"]
    name = value.get("name", value.get("tool"))
    if not isinstance(name, str):
        raise _Fail("not_a_call", "call object without a string 'name'")
    args = next((value[k] for k in ("arguments", "parameters", "args") if k in value), {})
    if isinstance(args, str):
        args = _loads(args) if args.strip() else {}
    if not isinstance(args, dict):
        raise _Fail("not_a_call", f"arguments of {name!r} must be an object, got {type(args).__name__}")
    return [{"name": name, "arguments": args}]


def _bare_json(text: str) -> list:
    """JSON values found in free text, left to right (bounded number of start positions)."""
    found, pos, scans = [], 0, 0
    while scans < MAX_SCANS:
        starts = [i for i in (text.find("{", pos), text.find("[", pos)) if i >= 0]
        if not starts:
            break
        start = min(starts)
        scans += 1
        end = _match_end(text, start)
        if end is None:
            pos = start + 1
            continue
        chunk = text[start:end]
        try:
            found.append(_loads(chunk))
            pos = end
        except _Fail as exc:
            if exc.reason == "too_deeply_nested":
                raise
            pos = start + 1
    return found


def _match_end(text: str, start: int):
    """Index after the bracket matching text[start], ignoring brackets inside strings; None if none."""
    for i, depth in _brackets(text, start):
        if depth > MAX_DEPTH:
            raise _Fail("too_deeply_nested", f"JSON nested deeper than {MAX_DEPTH} levels")
        if depth == 0:
            return i + 1
    return None


def _strip_fence(text: str) -> str:
    m = _FENCE.search(text)
    return m.group(1) if m else text


def parse_calls(text) -> list[dict] | ParseFailure:
    """Calls in a completion, in order, or a ParseFailure. An empty list means "no call made" (a plain
    text answer), which is right only when the gold answer makes no call."""
    if not isinstance(text, str):
        return ParseFailure("invalid_json", f"completion is {type(text).__name__}, not text")
    if len(text) > MAX_CHARS:
        return ParseFailure("output_too_large", f"output has {len(text):,} characters (limit {MAX_CHARS:,})")
    try:
        blocks = _BLOCK.findall(text)
        if blocks:
            calls = []
            for i, block in enumerate(blocks, 1):
                body = _strip_fence(block).strip()
                if not body:
                    raise _Fail("invalid_json", f"<tool_call> block {i} is empty")
                calls += _to_calls(_loads(body))
            return calls
        fences = _FENCE.findall(text)
        if fences:
            return [c for f in fences for c in _to_calls(_loads(f.strip()))]
        values = _bare_json(text)
        calls = []
        for v in values:
            try:
                calls += _to_calls(v)
            except _Fail:
                if len(values) == 1:
                    raise
        return calls
    except _Fail as exc:
        return ParseFailure(exc.reason, exc.detail)
