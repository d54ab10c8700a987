"""Chat data formats recognised without configuration, one per file, each line normalised to
{"prompt": [messages before the answer], "answer": the gold answer text, "tools": [...] or None}.

  messages           TRL conversational: {"messages": [{role, content}, ..., {"role": "assistant", ...}]}
  openai_tools       the same, where the last assistant turn holds `tool_calls` (and the line `tools`):
                     the answer is the calls as a JSON list [{"name", "arguments"}]
  prompt_completion  {"prompt": str | messages, "completion": str | messages}
  alpaca             {"instruction", "input" (optional), "output"}
  sharegpt           {"conversations": [{"from": system|human|gpt, "value"}, ...]}

The format of a file is the first line's; a later line in another format, or a line in none, stops
with file:line and what was expected. Every other field of a line is kept on the item (families,
registers, the arguments of a `command` check). What it does not do: multi-turn training beyond the
last assistant turn (the turns before it are the prompt).
"""
from __future__ import annotations

import json

from core.errors import DataError

FORMATS = {
    "messages": "TRL conversational {\"messages\": [..., {\"role\": \"assistant\", \"content\": ...}]}",
    "openai_tools": "OpenAI tool calls {\"messages\": [..., {\"role\": \"assistant\", \"tool_calls\": [...]}], \"tools\": [...]}",
    "prompt_completion": "prompt/completion {\"prompt\": ..., \"completion\": ...}",
    "alpaca": "Alpaca {\"instruction\": ..., \"input\": ..., \"output\": ...}",
    "sharegpt": "ShareGPT {\"conversations\": [{\"from\": \"human\", \"value\": ...}, {\"from\": \"gpt\", ...}]}",
}
EXPECTED = "one of: " + "; ".join(FORMATS.values())
_SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}


def detect(obj: dict) -> str | None:
    if "messages" in obj:
        last = obj["messages"][-1] if isinstance(obj["messages"], list) and obj["messages"] else {}
        return "openai_tools" if isinstance(last, dict) and last.get("tool_calls") else "messages"
    if "conversations" in obj:
        return "sharegpt"
    if "prompt" in obj and "completion" in obj:
        return "prompt_completion"
    if "instruction" in obj and "output" in obj:
        return "alpaca"
    return None


def _text(path, lineno, value, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, lineno, f"{what} must be a non-empty string, got {type(value).__name__}")
    return value


def _turns(path, lineno, msgs, what: str) -> list[dict]:
    if not isinstance(msgs, list) or not msgs:
        raise DataError(path, lineno, f"{what} must be a non-empty list of {{role, content}} turns")
    out = []
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "tool"):
            raise DataError(path, lineno, f"{what}[{i}] must be {{\"role\": system|user|assistant|tool, "
                                          "\"content\": ...}")
        out.append(m)
    return out


def _split_last(path, lineno, turns: list[dict], what: str) -> tuple[list[dict], dict]:
    if turns[-1]["role"] != "assistant":
        raise DataError(path, lineno, f"{what}: the last turn must be the assistant's answer")
    prompt = [{"role": m["role"], "content": str(m.get("content") or "")} for m in turns[:-1]]
    if not any(m["role"] == "user" for m in prompt):
        raise DataError(path, lineno, f"{what}: no user turn before the answer")
    return prompt, turns[-1]


def _calls(path, lineno, calls) -> str:
    out = []
    for i, c in enumerate(calls):
        fn = c.get("function", c) if isinstance(c, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise DataError(path, lineno, f"tool_calls[{i}] must be {{\"function\": {{\"name\", \"arguments\"}}}}")
        args = fn.get("arguments", {})
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError as exc:
                raise DataError(path, lineno, f"tool_calls[{i}].arguments is not JSON: {exc}") from exc
        out.append({"name": fn["name"], "arguments": args})
    return json.dumps(out, ensure_ascii=False)


def normalise(path, lineno, obj: dict, fmt: str) -> dict:
    """{"prompt", "answer", "tools"} of one line already known to be in format `fmt`."""
    if fmt in ("messages", "openai_tools"):
        prompt, last = _split_last(path, lineno, _turns(path, lineno, obj["messages"], "messages"), "messages")
        if fmt == "openai_tools":
            return {"prompt": prompt, "answer": _calls(path, lineno, last["tool_calls"]), "tools": obj.get("tools")}
        return {"prompt": prompt, "answer": _text(path, lineno, last.get("content"), "the assistant's content"),
                "tools": obj.get("tools")}
    if fmt == "sharegpt":
        conv = obj["conversations"]
        if not isinstance(conv, list) or not conv or not all(isinstance(t, dict) and t.get("from") in _SHAREGPT_ROLES
                                                             for t in conv):
            raise DataError(path, lineno, "conversations must be a list of {\"from\": system|human|gpt, \"value\": ...}")
        turns = [{"role": _SHAREGPT_ROLES[t["from"]], "content": t.get("value")} for t in conv]
        prompt, last = _split_last(path, lineno, turns, "conversations")
        return {"prompt": prompt, "answer": _text(path, lineno, last["content"], "the last gpt value"), "tools": None}
    if fmt == "prompt_completion":
        p, c = obj["prompt"], obj["completion"]
        prompt = [{"role": "user", "content": _text(path, lineno, p, "prompt")}] if isinstance(p, str) else \
            _turns(path, lineno, p, "prompt")
        answer = c if isinstance(c, str) else _split_last(path, lineno, _turns(path, lineno, c, "completion"),
                                                          "completion")[1].get("content")
        return {"prompt": prompt, "answer": _text(path, lineno, answer, "completion"), "tools": None}
    instruction = _text(path, lineno, obj["instruction"], "instruction")
    extra = obj.get("input") or ""
    if not isinstance(extra, str):
        raise DataError(path, lineno, f"input must be a string, got {type(extra).__name__}")
    user = instruction.strip() + (f"\n\n{extra.strip()}" if extra.strip() else "")
    return {"prompt": [{"role": "user", "content": user}], "answer": _text(path, lineno, obj["output"], "output"),
            "tools": None}


class FormatTracker:
    """Detects the first line's format and holds every later line to it."""

    def __init__(self, path):
        self.path, self.format, self.first_line = path, None, None

    def __call__(self, obj, lineno: int) -> dict:
        if not isinstance(obj, dict):
            raise DataError(self.path, lineno, f"expected a JSON object, {EXPECTED}")
        fmt = detect(obj)
        if fmt is None:
            raise DataError(self.path, lineno, f"no known chat format (fields {sorted(obj)[:8]}); expected {EXPECTED}")
        if self.format is None:
            self.format, self.first_line = fmt, lineno
        elif fmt != self.format and {fmt, self.format} != {"messages", "openai_tools"}:
            raise DataError(self.path, lineno, f"this line is {FORMATS[fmt].split(' {')[0]} but line {self.first_line} "
                                               f"is {FORMATS[self.format].split(' {')[0]}: one file holds one format; "
                                               f"expected {FORMATS[self.format]}")
        return normalise(self.path, lineno, obj, fmt)
