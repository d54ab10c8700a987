"""The shape of a text: names, strings and numbers replaced by placeholders.

Two items with the same shape differ only in names, strings and numbers (a template filled in twice);
the data audit reports such train/eval pairs as "template-near". Placeholders: `<s>` for a quoted string
("...", '...', `...`, Lua's [[...]]), `<n>` for a number, `<id>` for a name that looks like code (it has a
`_`, `.`, `:` or a digit, or a capital letter after its first character: `light_source`, `mymod:lamp`,
`minetest.register_node`, `frameCount`). Plain words stay, so the wording must match; case and
whitespace are ignored. What it does not see: a renamed plain-word variable (`pos` -> `p`), or
paraphrases.
"""
from __future__ import annotations

import re

_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`\n]*`|\[(=*)\[.*?\]\1\]', re.S)
_NUMBER = re.compile(r"(?<![\w.])(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w])")
_NAME = re.compile(r"[A-Za-z_][\w]*(?:[.:][A-Za-z_][\w]*)*")


def _name(m: re.Match) -> str:
    tok = m.group(0)
    codey = any(c in tok for c in "_.:") or any(c.isdigit() for c in tok) or any(c.isupper() for c in tok[1:])
    return "<id>" if codey else tok


def shape(text: str) -> str:
    text = _STRING.sub(" <s> ", text)
    text = _NUMBER.sub(" <n> ", text)
    text = _NAME.sub(_name, text)
    return " ".join(text.lower().split())
