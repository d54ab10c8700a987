"""Chat-template families an Ollama Modelfile TEMPLATE is written for, each as a Go template and its replay.

A family is recognised from what the tokenizer's own Jinja chat template renders on probe conversations
(PROBES: with and without a system message, with an earlier assistant turn), never from a model name. Each
family takes its few free pieces from those renderings (a default system message, a preamble, the special
token spelling) into a `spec`, writes the Go TEMPLATE from the spec, and `render` replays that Go template
in Python. A family is accepted only when the replay equals the Jinja rendering on every probe; otherwise
the next family is tried, and a template no family reproduces is refused, naming the closest family.

What Ollama does around the template, modelled in the replay: the Modelfile's SYSTEM becomes a leading
system message when a request has none (so probes with and without one cover it); `.System` is the system
messages' text; the BOS token is not in the template because llama.cpp adds it from the GGUF
(`tokenizer.ggml.add_bos_token`), so a Jinja rendering that starts with the BOS token is compared without it.
Tool calls: a family's Go branch for requests with tools is added only when its replay renders the tool
probes exactly as Jinja does (deploy/tool_templates.py: written for chatml/Qwen2.5; refused with the reason
for the others, so Ollama answers a request with tools "does not support tools").
Not modelled or checked: Go's own execution of the text (no Go or Ollama here), Jinja's `| trim` of
contents (Llama 3, Gemma, Llama 2: the Go template cannot trim, so contents with outer whitespace differ),
Ollama's merging of consecutive messages of one role.
"""
from __future__ import annotations

import difflib
import time

from core.errors import UserError
from deploy import tool_templates

PROBES = [
    [{"role": "user", "content": "U1"}],
    [{"role": "system", "content": "S1"}, {"role": "user", "content": "U1"}],
    [{"role": "user", "content": "U1"}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}],
    [{"role": "system", "content": "S1"}, {"role": "user", "content": "U1"},
     {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}],
]
BOS_SENTINEL = "\x02bos\x03"
SYS_FIRST = '{{- $sys := and .Messages (eq (index .Messages 0).Role "system") }}'


def _lit(text: str) -> str:
    """Text pasted into a Go template: it must not open an action."""
    if "{{" in text:
        raise UserError(f"the chat template's text {text[:60]!r} contains '{{{{', which a Go template would run")
    return text


def _split_system(messages):
    if messages and messages[0]["role"] == "system":
        return messages[0]["content"], messages[1:]
    return None, messages


def _between(text: str, start: str, end: str) -> str:
    i = text.index(start) + len(start)
    return text[i:text.index(end, i)]


class ChatML:
    """<|im_start|>role ... <|im_end|> (Qwen, SmolLM, many others); an optional default system message."""
    name, marker, stops = "chatml", "<|im_start|>", ("<|im_end|>",)

    def spec(self, jinja, tok) -> dict:
        plain = jinja(PROBES[0])
        head = plain[:plain.index("<|im_start|>user\n")]
        return {"default_system": _between(head, "<|im_start|>system\n", "<|im_end|>\n") if head else None}

    def render(self, spec, messages) -> str:
        out = ""
        if spec["default_system"] is not None and (not messages or messages[0]["role"] != "system"):
            out += f"<|im_start|>system\n{spec['default_system']}<|im_end|>\n"
        for m in messages:
            out += f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n"
        return out + "<|im_start|>assistant\n"

    def go(self, spec) -> str:
        default = ""
        if spec["default_system"] is not None:
            default = ('{{- if or (not .Messages) (ne (index .Messages 0).Role "system") }}<|im_start|>system\n'
                       + _lit(spec["default_system"]) + "<|im_end|>\n{{ end }}")
        return (default + "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
                "<|im_start|>assistant\n")


class Llama3:
    """<|start_header_id|>role<|end_header_id|> ... <|eot_id|>; 3.1+ always opens with a system block whose
    preamble (knowledge cutoff, date) comes before the user's system text."""
    name, marker, stops = "llama3", "<|start_header_id|>", ("<|eot_id|>", "<|start_header_id|>")
    H = "<|start_header_id|>{}<|end_header_id|>\n\n"

    def spec(self, jinja, tok) -> dict:
        plain, head = jinja(PROBES[0]), self.H.format("system")
        return {"preamble": _between(plain, head, "<|eot_id|>") if plain.startswith(head) else None}

    def render(self, spec, messages) -> str:
        out, rest = "", messages
        if spec["preamble"] is not None:
            system, rest = _split_system(messages)
            out = self.H.format("system") + spec["preamble"] + (system or "") + "<|eot_id|>"
        for m in rest:
            out += self.H.format(m["role"]) + m["content"] + "<|eot_id|>"
        return out + self.H.format("assistant")

    def go(self, spec) -> str:
        turn = "<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n"
        tail = "<|start_header_id|>assistant<|end_header_id|>\n\n"
        if spec["preamble"] is None:
            return "{{- range .Messages }}" + turn + "{{ .Content }}<|eot_id|>{{ end }}" + tail
        pre = _lit(spec["preamble"])
        return (SYS_FIRST + "{{- if not $sys }}" + self.H.format("system") + pre + "<|eot_id|>{{ end }}"
                "{{- range $i, $m := .Messages }}" + turn + "{{ if and $sys (eq $i 0) }}" + pre + "{{ end }}"
                "{{ .Content }}<|eot_id|>{{ end }}" + tail)


class MistralInst:
    """[INST] user[/INST] assistant</s>, the system text put before the last user message (v0.3 style)."""
    name, marker, stops = "mistral", "[INST]", ("[INST]",)

    def spec(self, jinja, tok) -> dict:
        if "<<SYS>>" in jinja(PROBES[1]):
            raise ValueError("Llama 2 style system block")
        return {"eos": _between(jinja(PROBES[2]), "A1", "[INST]")}

    def render(self, spec, messages) -> str:
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")  # Ollama's .System
        out = ""
        for i, m in enumerate(messages):
            if m["role"] == "user":
                last = i == len(messages) - 1
                out += "[INST] " + (system + "\n\n" if system and last else "") + m["content"] + "[/INST]"
            elif m["role"] == "assistant":
                out += " " + m["content"] + spec["eos"]
        return out

    def go(self, spec) -> str:
        return ('{{- range $i, $m := .Messages }}{{ if eq .Role "user" }}[INST] '
                '{{ if and $.System (eq (len (slice $.Messages $i)) 1) }}{{ $.System }}\n\n{{ end }}'
                '{{ .Content }}[/INST]{{ else if eq .Role "assistant" }} {{ .Content }}' + _lit(spec["eos"])
                + "{{ end }}{{ end }}")


class Llama2:
    """<s>[INST] <<SYS>>\\nsystem\\n<</SYS>>\\n\\nuser [/INST] assistant </s> (Llama 2, CodeLlama): a BOS
    before every user turn after the first, as text the GGUF tokenizer reads as the special token."""
    name, marker, stops = "llama2", "<<SYS>>", ("[INST]",)

    def spec(self, jinja, tok) -> dict:
        text, bos = jinja(PROBES[2]), tok.bos_token or ""
        pair = _between(text, "A1 ", "[INST]")  # eos_token then bos_token, no space between
        if not pair.endswith(bos):
            raise ValueError("no BOS before the second user turn")
        return {"eos": pair[:len(pair) - len(bos)], "bos": bos}

    def render(self, spec, messages) -> str:
        system, rest = _split_system(messages)
        out = ""
        for k, m in enumerate(rest):
            if m["role"] == "user":
                sys = f"<<SYS>>\n{system}\n<</SYS>>\n\n" if k == 0 and system is not None else ""
                out += (spec["bos"] if k else "") + "[INST] " + sys + m["content"] + " [/INST]"
            elif m["role"] == "assistant":
                out += " " + m["content"] + " " + spec["eos"]
        return out

    def go(self, spec) -> str:
        return (SYS_FIRST + '{{- range $i, $m := .Messages }}{{ if eq .Role "user" }}'
                "{{ if or (and $sys (gt $i 1)) (and (not $sys) (gt $i 0)) }}" + _lit(spec["bos"]) + "{{ end }}"
                "[INST] {{ if and $sys (eq $i 1) }}<<SYS>>\n{{ (index $.Messages 0).Content }}\n<</SYS>>\n\n{{ end }}"
                '{{ .Content }} [/INST]{{ else if eq .Role "assistant" }} {{ .Content }} ' + _lit(spec["eos"])
                + "{{ end }}{{ end }}")


class Gemma:
    """<start_of_turn>user ... <end_of_turn> with the assistant called `model`; no system role: the system
    text opens the first user turn (Gemma 3)."""
    name, marker, stops = "gemma", "<start_of_turn>", ("<end_of_turn>",)

    def spec(self, jinja, tok) -> dict:
        return {}

    def render(self, spec, messages) -> str:
        system, rest = _split_system(messages)
        out = ""
        for k, m in enumerate(rest):
            role = "model" if m["role"] == "assistant" else m["role"]
            prefix = system + "\n\n" if k == 0 and system is not None else ""
            out += f"<start_of_turn>{role}\n{prefix}{m['content']}<end_of_turn>\n"
        return out + "<start_of_turn>model\n"

    def go(self, spec) -> str:
        return (SYS_FIRST + '{{- range $i, $m := .Messages }}{{ if eq .Role "user" }}<start_of_turn>user\n'
                "{{ if and $sys (eq $i 1) }}{{ (index $.Messages 0).Content }}\n\n{{ end }}"
                '{{ .Content }}<end_of_turn>\n{{ else if eq .Role "assistant" }}<start_of_turn>model\n'
                "{{ .Content }}<end_of_turn>\n{{ end }}{{ end }}<start_of_turn>model\n")


class DeepSeek:
    """### Instruction: / ### Response: (DeepSeek-Coder instruct), a default system text when none is given."""
    name, marker, stops = "deepseek", "### Instruction:", ("<|EOT|>", "### Instruction:")

    def spec(self, jinja, tok) -> dict:
        plain = jinja(PROBES[0])
        return {"default_system": plain[:plain.index("### Instruction:")],
                "eot": _between(jinja(PROBES[2]), "A1\n", "\n")}

    def render(self, spec, messages) -> str:
        out = "" if any(m["role"] == "system" for m in messages) else spec["default_system"]
        for m in messages:
            out += {"system": m["content"], "user": f"### Instruction:\n{m['content']}\n",
                    "assistant": f"### Response:\n{m['content']}\n{spec['eot']}\n"}.get(m["role"], "")
        return out + "### Response:"

    def go(self, spec) -> str:
        return ('{{- $found := false }}{{- range .Messages }}{{ if eq .Role "system" }}{{ $found = true }}{{ end }}'
                "{{ end }}{{- if not $found }}" + _lit(spec["default_system"]) + "{{ end }}"
                '{{- range .Messages }}{{ if eq .Role "system" }}{{ .Content }}{{ else if eq .Role "user" }}'
                '### Instruction:\n{{ .Content }}\n{{ else if eq .Role "assistant" }}### Response:\n{{ .Content }}\n'
                + _lit(spec["eot"]) + "\n{{ end }}{{ end }}### Response:")


class Harmony:
    """GPT-OSS harmony: a fixed system block (identity, knowledge cutoff, today's date, reasoning effort,
    channels), the user's system text as a developer message, answers on the `final` channel. The date is
    Ollama's `currentDate` function in the Go template."""
    name, marker, stops = "harmony", "<|start|>", ("<|return|>", "<|call|>")

    def spec(self, jinja, tok) -> dict:
        head = jinja(PROBES[0])
        head = head[:head.index("<|end|>") + len("<|end|>")]
        today = time.strftime("%Y-%m-%d")
        if today not in head:
            raise ValueError("no current date in the system block")
        with_sys = jinja(PROBES[1])
        dev = with_sys[len(head):with_sys.index("<|start|>user")]
        return {"system_block": head.replace(today, "{date}"), "developer": dev.replace("S1", "{content}", 1)}

    def render(self, spec, messages) -> str:
        out = spec["system_block"].replace("{date}", time.strftime("%Y-%m-%d"))
        system, rest = _split_system(messages)
        if system is not None:
            out += spec["developer"].replace("{content}", system)
        for m in rest:
            if m["role"] == "user":
                out += f"<|start|>user<|message|>{m['content']}<|end|>"
            elif m["role"] == "assistant":
                out += f"<|start|>assistant<|channel|>final<|message|>{m['content']}<|end|>"
        return out + "<|start|>assistant"

    def go(self, spec) -> str:
        block = _lit(spec["system_block"].replace("{date}", "\0")).replace("\0", "{{ currentDate }}")
        dev = _lit(spec["developer"].replace("{content}", "\0")).replace("\0", "{{ .Content }}")
        return (block + '{{- range $i, $m := .Messages }}{{ if eq .Role "system" }}{{ if eq $i 0 }}' + dev
                + '{{ end }}{{ else if eq .Role "user" }}<|start|>user<|message|>{{ .Content }}<|end|>'
                '{{ else if eq .Role "assistant" }}<|start|>assistant<|channel|>final<|message|>{{ .Content }}<|end|>'
                "{{ end }}{{ end }}<|start|>assistant")


FAMILIES = {f.name: f for f in (ChatML(), Llama3(), MistralInst(), Llama2(), Gemma(), DeepSeek(), Harmony())}
# for naming the closest family of a refused template: the pieces a family takes from the template
DEFAULT_SPECS = {"chatml": {"default_system": None}, "llama3": {"preamble": None}, "mistral": {"eos": "</s>"},
                 "llama2": {"eos": "</s>", "bos": "<s>"}, "gemma": {}, "deepseek": {"default_system": "", "eot": "<|EOT|>"},
                 "harmony": {"system_block": "", "developer": "<|start|>developer<|message|>{content}<|end|>"}}


def jinja_renderer(tokenizer):
    """messages -> the tokenizer's Jinja rendering with the generation prompt, without the BOS token the
    template itself puts first (a sentinel tells it from text that merely looks the same, e.g. SmolLM2's
    bos_token is <|im_start|>)."""
    bos = tokenizer.bos_token or ""

    def jinja(messages, tools=None):
        text = tokenizer.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=False,
                                             bos_token=BOS_SENTINEL)
        return text.removeprefix(BOS_SENTINEL).replace(BOS_SENTINEL, bos)
    return jinja


def template_adds_bos(tokenizer) -> bool:
    return tokenizer.apply_chat_template(PROBES[0], tokenize=False, bos_token=BOS_SENTINEL).startswith(BOS_SENTINEL)


def match(tokenizer) -> dict:
    """{"family", "spec", "go", "probes", "tools"} of the first family whose replay equals the Jinja rendering
    on every probe; UserError naming the closest family when none does. "tools" says whether the Go text has
    a tool branch (checked on the tool probes) or why not."""
    jinja = jinja_renderer(tokenizer)
    try:
        wanted = [jinja(p) for p in PROBES]
    except Exception as exc:  # a template that refuses a probe (e.g. no system role) cannot take SYSTEM
        raise UserError(f"the chat template fails on a probe conversation ({type(exc).__name__}: {exc}); "
                        "write the Modelfile TEMPLATE by hand") from exc
    for fam in FAMILIES.values():
        if fam.marker not in wanted[-1]:
            continue
        try:
            spec = fam.spec(jinja, tokenizer)
        except (ValueError, IndexError):
            continue
        if all(fam.render(spec, p) == w for p, w in zip(PROBES, wanted)):
            tools = tool_templates.check(fam.name, jinja)
            go = fam.go(spec)
            if tools["written"]:  # {{ if .Tools }} tool branch {{ else }} the family's template {{ end }}
                spec = spec | {"tools": tools.pop("spec")}
                go = (SYS_FIRST + tool_templates.BRANCHES[fam.name].go(spec["tools"], _lit) + go.removeprefix(SYS_FIRST)
                      + "{{ end }}")
            check_go(go)
            return {"family": fam.name, "spec": spec, "go": go, "stops": list(fam.stops), "probes": len(PROBES),
                    "template_adds_bos": template_adds_bos(tokenizer), "tools": tools}
    name, ratio = closest(wanted[-1])
    raise UserError(f"the chat template is of no known family ({', '.join(FAMILIES)}); closest: {name} "
                    f"({ratio:.0%} alike on a probe conversation). Write the Modelfile TEMPLATE by hand from "
                    "tokenizer_config.json (see the Ollama docs), or add the family to deploy/templates.py")


def check_go(go: str) -> None:
    """What the replays assume of the Go text and a slip would break unseen: every action closed, none opening
    with `{` (`{{{` does not parse), no `{{-` eating whitespace text before it and no `-}}` eating whitespace
    after it (the replays model no trimming). Scans the actions as Go's lexer does: from `{{` to the next `}}`."""
    i, bad = 0, []
    while (j := go.find("{{", i)) >= 0:
        k = go.find("}}", j + 2)
        if k < 0:
            raise AssertionError(f"Go template: unclosed action at {go[j:j + 30]!r}")
        act = go[j:k + 2]
        if act.startswith("{{{") or (act.startswith("{{-") and j > i and go[j - 1].isspace()) or (
                act.endswith("-}}") and go[k + 2:k + 3].isspace()):
            bad.append(act)
        i = k + 2
    if bad:
        raise AssertionError(f"Go template text the replay does not model: {bad}")


def closest(rendering: str) -> tuple[str, float]:
    scores = {n: difflib.SequenceMatcher(None, rendering, f.render(DEFAULT_SPECS[n], PROBES[-1])).ratio()
              for n, f in FAMILIES.items()}
    best = max(scores, key=scores.get)
    return best, scores[best]
