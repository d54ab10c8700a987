"""The Ollama Modelfile of an exported GGUF: FROM, a TEMPLATE equal to the model's chat template, SYSTEM
(the prompt the adapter was trained with), stop and context parameters.

How the TEMPLATE is made equivalent: the tokenizer's own Jinja chat template is rendered on probe
conversations and taken apart into ChatML pieces (`<|im_start|>{role}\\n{content}<|im_end|>\\n`, the
default system message it adds when a conversation has none, the generation prompt); the Go template is
written from those pieces. A template that is not ChatML (the probes do not reassemble exactly) is
refused with a UserError rather than guessed. `render` replays the Go template's logic in Python, so a
test can compare it with the Jinja rendering. Not checked: Ollama itself (not installed here).
"""
from __future__ import annotations

import json

from core.errors import UserError

OPEN, CLOSE, GEN = "<|im_start|>{role}\n", "<|im_end|>\n", "<|im_start|>assistant\n"


def _jinja(tok, messages) -> str:
    return tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def chatml_spec(tokenizer) -> dict:
    """{"default_system": str | None} when the chat template is ChatML, else UserError."""
    probe = [{"role": "system", "content": "S1"}, {"role": "user", "content": "U1"},
             {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}]
    spec = {"default_system": None}
    if _jinja(tokenizer, probe) != render(spec, probe):
        raise UserError("the model's chat template is not ChatML (<|im_start|>role ... <|im_end|>): write the "
                        "Modelfile TEMPLATE by hand (see the Ollama docs) from tokenizer_config.json")
    plain = _jinja(tokenizer, probe[1:])
    head = plain[:plain.find(OPEN.format(role="user"))]
    if head:
        start, end = OPEN.format(role="system"), CLOSE
        if not (head.startswith(start) and head.endswith(end)):
            raise UserError(f"the chat template adds an unexpected preamble: {head[:80]!r}")
        spec["default_system"] = head[len(start):-len(end)]
    if render(spec, probe[1:]) != plain:
        raise UserError("the chat template's default system message could not be reproduced")
    return spec


def render(spec: dict, messages) -> str:
    """What the Go TEMPLATE below produces for `messages` (Ollama adds the generation prompt)."""
    out = ""
    if spec["default_system"] is not None and (not messages or messages[0]["role"] != "system"):
        out += OPEN.format(role="system") + spec["default_system"] + CLOSE
    for m in messages:
        out += OPEN.format(role=m["role"]) + m["content"] + CLOSE
    return out + GEN


def go_template(spec: dict) -> str:
    default = ""
    if spec["default_system"] is not None:
        default = ('{{- if or (not .Messages) (ne (index .Messages 0).Role "system") }}<|im_start|>system\n'
                   + spec["default_system"] + "<|im_end|>\n{{ end }}")
    return (default + "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
            "<|im_start|>assistant\n")


def modelfile(gguf_name: str, tokenizer, system: str | None, stops, context: int) -> str:
    spec = chatml_spec(tokenizer)
    lines = [f"# Ollama: ollama create <name> -f Modelfile   (from this folder), then ollama run <name>",
             f"FROM ./{gguf_name}", f'TEMPLATE """{go_template(spec)}"""']
    if system:
        lines.append(f'SYSTEM """{system}"""')
    for s in dict.fromkeys(["<|im_end|>", *[s for s in stops if s]]):
        lines.append(f"PARAMETER stop {json.dumps(s)}")
    lines.append(f"PARAMETER num_ctx {int(context)}")
    return "\n".join(lines) + "\n"
