"""Extraction level of the Unity domain: the answer's code or JSON out of a raw completion.

C#: the first fenced block (```csharp, ```cs, ```c#, or a bare ```), else the text from the first
`using` line or `public class` on (a model that answers without a fence). JSON: the first ```json (or
bare) fenced block, else the first balanced {...} that parses. What it does not do: judge the code.
"""
from __future__ import annotations

import json
import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z#+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_CS_TAGS = {"", "csharp", "cs", "c#", "c-sharp"}
_START = re.compile(r"^(using\s+[\w.]+\s*;|(public\s+|internal\s+)?(sealed\s+)?class\s)", re.M)


def extract_cs(completion: str) -> str | None:
    for m in _FENCE.finditer(completion):
        if m.group(1).lower() in _CS_TAGS and m.group(2).strip():
            return m.group(2)
    start = _START.search(completion)
    return completion[start.start():] if start else None


def extract_json(completion: str):
    """The first JSON object in the completion, or None."""
    for m in _FENCE.finditer(completion):
        if m.group(1).lower() in ("", "json"):
            try:
                return json.loads(m.group(2))
            except ValueError:
                continue
    dec = json.JSONDecoder()
    for i, ch in enumerate(completion):
        if ch == "{":
            try:
                return dec.raw_decode(completion[i:])[0]
            except ValueError:
                continue
    return None
