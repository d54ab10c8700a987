"""How the answer is taken from a completion (the spec's `answer:`), and how a gold answer is written
so that training teaches exactly that form.

  fenced  the first ```<language> block (a bare ``` block if none is tagged); none = format_error
  text    the whole completion, stripped
  json    the first JSON value in the completion (inside a ```json block, or from the first { or [)
"""
from __future__ import annotations

import json
import re

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)```", re.S)


def extract(answer: dict, completion: str):
    """(text, value) of the answer, or None when the completion holds none; value is the parsed JSON for
    `json` answers, else the text."""
    src = answer.get("from", "text")
    if src == "fenced":
        lang = answer["language"].lower()
        blocks = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(completion)]
        for want in (lang, ""):
            for tag, body in blocks:
                if tag == want and body.strip():
                    return body.strip(), body.strip()
        return None
    if src == "json":
        return _first_json(completion)
    text = completion.strip()
    return (text, text) if text else None


def _first_json(text: str):
    dec = json.JSONDecoder()
    blocks = [m.group(2) for m in _FENCE.finditer(text) if m.group(1).lower() in ("json", "")]
    for source in blocks + [text]:
        for m in re.finditer(r"[\[{]", source):
            try:
                value, end = dec.raw_decode(source, m.start())
            except json.JSONDecodeError:
                continue
            return source[m.start():end], value
    return None


def gold_text(answer: dict, raw: str) -> str:
    """The reference as the model should write it: fenced answers wrapped in their fence (unless the data
    already fences them), others as they are."""
    if answer.get("from") == "fenced" and not _FENCE.search(raw):
        return f"```{answer['language']}\n{raw.strip()}\n```"
    return raw.strip()


def closed(answer: dict):
    """answer_done's predicate: True once the completion holds a whole answer no continuation changes."""
    if answer.get("from") != "fenced":
        return None
    lang = answer["language"].lower()
    return lambda text: any(m.group(1).lower() == lang and m.group(2).strip() for m in _FENCE.finditer(text))
