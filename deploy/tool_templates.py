"""Tool calls in the Modelfile TEMPLATE: the Go branch for requests with tools, checked like the rest.

A request with tools reaches the Go template as `.Tools` (each `.Function.Name`, `.Description`,
`.Parameters.Type/.Properties/.Required`) and messages with `.ToolCalls` (`.Function.Name`, `.Arguments`) or
the `tool` role. Whether the chat template has a tool branch at all is found by rendering TOOL_PROBES with
and without the tools; a family's Go tool branch is written only when its Python replay renders every tool
probe exactly as the Jinja template does. Otherwise the Modelfile gets no tool branch and says why: Ollama then
answers a request with tools with "does not support tools", instead of a prompt the model was never trained on.

Why the JSON is spelt out field by field rather than printed with Ollama's `json` function: Go's encoder
writes compact JSON (`{"a":1}`) while transformers' `tojson` writes `{"a": 1}`, so `{{ json . }}` can never
render as the Jinja template does. The Go text walks the fixed shape of a tool instead (name, description,
parameters: type, properties of type/description/enum, required) and prints only scalars with `json`. What
that cannot reproduce, and the replay models as Go does it (so a check with such a schema fails, not passes):
- the request's key order: Go ranges over a map in sorted key order (properties, arguments), and writes a
  tool's fields in the template's order; Jinja keeps the order of the request;
- schema keys beyond that shape (nested objects, `items`, defaults) and nested argument values (printed
  compact by `json`);
- `<`, `>`, `&` in strings, which Go's encoder escapes as \\u003c, \\u003e, \\u0026.
Assumed from Ollama's api package, not run here (no Go or Ollama on this machine): `.Function.Arguments` and
`.Parameters.Properties` are Go maps, and the template functions include `json`.

Families with a tool branch here: chatml (the Qwen2.5 layout: `<tools>` in the system turn, `<tool_call>`,
tool results as `<tool_response>` in a user turn) and llama3 (the Llama 3.1 layout: `Environment: ipython`,
the tools as tojson(indent=4) in the first user turn, {"name", "parameters"} calls, results as JSON strings in
an `ipython` turn). Not written, so refused as above: Mistral v0.3 (`[AVAILABLE_TOOLS]`/`[TOOL_CALLS]` with
9-character call ids), GPT-OSS harmony (tools as a TypeScript namespace made from the JSON schema), and
templates of these families whose tool layout differs from the one replayed. Several tool calls in one
message, or several tool results in a row, are not in the probes (Ollama merges consecutive messages of one
role; Llama 3.1's template refuses more than one call).
"""
from __future__ import annotations

import json

TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name"},
        "unit": {"type": "string", "description": "Unit", "enum": ["c", "f"]}}, "required": ["city"]}}}
CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}
_ASK = {"role": "user", "content": "U1"}
_CALLED = [{"role": "assistant", "content": "", "tool_calls": [CALL]}, {"role": "tool", "content": "R1"}]
TOOL_PROBES = [
    [_ASK],
    [{"role": "system", "content": "S1"}, _ASK],
    [{"role": "system", "content": "S1"}, _ASK, *_CALLED],
    [_ASK, *_CALLED, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}],
]


def _go_escape(json_text: str) -> str:
    """Go's encoder escapes these inside strings, where Python's leaves them (they occur only inside strings)."""
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        json_text = json_text.replace(ch, esc)
    return json_text


def go_json(value) -> str:
    """Ollama's `json` template function (Go's json.Marshal): compact, map keys sorted, HTML characters escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return _go_escape(text)


def _items(xs) -> str:
    return ", ".join(go_json(x) for x in xs)


# One tool as JSON with transformers' separators. `{{ "{" }}` prints a brace where a literal one would touch an
# action (`{{{` does not parse); `$n` marks "not the first property" (Go templates have no loop.first on maps).
GO_TOOL = ('{"type": "function", "function": {"name": {{ json .Function.Name }}, "description": '
           '{{ json .Function.Description }}, "parameters": {"type": {{ json .Function.Parameters.Type }}, '
           '"properties": {{ "{" }}{{ $n := 0 }}{{ range $k, $v := .Function.Parameters.Properties }}'
           '{{ if $n }}, {{ end }}{{ json $k }}: {"type": {{ json $v.Type }}, "description": {{ json $v.Description }}'
           '{{ if $v.Enum }}, "enum": [{{ range $j, $e := $v.Enum }}{{ if $j }}, {{ end }}{{ json $e }}{{ end }}]'
           '{{ end }}}{{ $n = 1 }}{{ end }}}, "required": [{{ range $ri, $r := .Function.Parameters.Required }}'
           '{{ if $ri }}, {{ end }}{{ json $r }}{{ end }}]}}}')


def _go_tool_indented(width: int = 4) -> str:
    """GO_TOOL laid out as json.dumps(indent=4) lays it out; empty properties/required print as {} and []."""
    def nl(depth):
        return "\n" + " " * (width * depth)
    return ("{" + nl(1) + '"type": "function",' + nl(1) + '"function": {' + nl(2) + '"name": {{ json .Function.Name }},'
            + nl(2) + '"description": {{ json .Function.Description }},' + nl(2) + '"parameters": {' + nl(3)
            + '"type": {{ json .Function.Parameters.Type }},' + nl(3) + '"properties": {{ if .Function.Parameters.Properties }}'
            '{{ "{" }}{{ $n := 0 }}{{ range $k, $v := .Function.Parameters.Properties }}{{ if $n }},{{ end }}' + nl(4)
            + '{{ json $k }}: {' + nl(5) + '"type": {{ json $v.Type }},' + nl(5) + '"description": {{ json $v.Description }}'
            '{{ if $v.Enum }},' + nl(5) + '"enum": [{{ range $j, $e := $v.Enum }}{{ if $j }},{{ end }}' + nl(6)
            + "{{ json $e }}{{ end }}" + nl(5) + "]{{ end }}" + nl(4) + "}{{ $n = 1 }}{{ end }}" + nl(3)
            + '}{{ else }}{}{{ end }},' + nl(3) + '"required": {{ if .Function.Parameters.Required }}[{{ range $ri, $r := '
            '.Function.Parameters.Required }}{{ if $ri }},{{ end }}' + nl(4) + "{{ json $r }}{{ end }}" + nl(3)
            + "]{{ else }}[]{{ end }}" + nl(2) + "}" + nl(1) + "}\n}")


GO_TOOL_INDENTED = _go_tool_indented()
GO_ARGS = ('{{ "{" }}{{ $a := 0 }}{{ range $k, $v := .Function.Arguments }}{{ if $a }}, {{ end }}'
           '{{ json $k }}: {{ json $v }}{{ $a = 1 }}{{ end }}}')


def canonical(tool: dict) -> dict:
    """The tool as the Go walk sees and writes it: the template's key order, properties sorted (Go ranges over a
    map in key order), a missing description or type as Go's zero value."""
    f = tool["function"]
    p = f.get("parameters") or {}
    props = {k: {"type": v.get("type"), "description": v.get("description", "")} | (
        {"enum": v["enum"]} if v.get("enum") else {}) for k, v in sorted((p.get("properties") or {}).items())}
    return {"type": "function", "function": {"name": f["name"], "description": f.get("description", ""), "parameters": {
        "type": p.get("type", ""), "properties": props, "required": list(p.get("required") or [])}}}


def tool_json(tool: dict, indent: int | None = None) -> str:
    """GO_TOOL's (indent None) or GO_TOOL_INDENTED's (4) output, replayed: every scalar through Go's encoder."""
    text = json.dumps(canonical(tool), ensure_ascii=False, indent=indent)
    return _go_escape(text)


def args_json(args: dict) -> str:
    """GO_ARGS's output, replayed."""
    return "{" + ", ".join(f"{go_json(k)}: {go_json(v)}" for k, v in sorted(args.items())) + "}"


def _call(call: dict) -> dict:
    return call.get("function", call)


class ChatMLTools:
    """Qwen2.5's tool layout on the chatml family: the system turn (the request's system text, else a default)
    followed by a preamble, one tool JSON a line inside <tools>, and a closing text; assistant tool calls as
    <tool_call> JSON; each tool result as a user turn holding <tool_response>. The preamble, the closing text
    and the default system text are taken from the Jinja rendering."""

    def spec(self, jinja) -> dict:
        line = "\n" + json.dumps(TOOL, ensure_ascii=False)  # what transformers' tojson writes for the probe tool
        texts = [jinja(TOOL_PROBES[i], [TOOL]) for i in (0, 1)]
        if any(t.count(line) != 1 or not t.startswith("<|im_start|>system\n") for t in texts):
            raise ValueError("the probe tool is not one line of tojson inside a leading system turn")
        head = texts[1][:texts[1].index(line)]
        if not head.startswith("<|im_start|>system\nS1"):
            raise ValueError("the request's system text does not open the tool system turn")
        pre = head[len("<|im_start|>system\nS1"):]
        plain_head = texts[0][len("<|im_start|>system\n"):texts[0].index(line)]
        if not plain_head.endswith(pre):
            raise ValueError("the preamble differs without a system message")
        rest = texts[1][texts[1].index(line) + len(line):]
        return {"default_system": plain_head[:len(plain_head) - len(pre)], "pre": pre,
                "post": rest[:rest.index("<|im_start|>user\n")]}

    def render(self, spec, messages, tools) -> str:
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
        out = ("<|im_start|>system\n" + (spec["default_system"] if system is None else system) + spec["pre"]
               + "".join("\n" + tool_json(t) for t in tools) + spec["post"])
        for m in messages[1:] if system is not None else messages:
            if m["role"] == "tool":
                out += f"<|im_start|>user\n<tool_response>\n{m['content']}\n</tool_response><|im_end|>\n"
            elif m["role"] == "assistant" and m.get("tool_calls"):
                out += "<|im_start|>assistant" + ("\n" + m["content"] if m["content"] else "")
                out += "".join(f'\n<tool_call>\n{{"name": "{_call(c)["name"]}", "arguments": '
                               f'{args_json(_call(c)["arguments"])}}}\n</tool_call>' for c in m["tool_calls"])
                out += "<|im_end|>\n"
            else:
                out += f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n"
        return out + "<|im_start|>assistant\n"

    def go(self, spec, lit) -> str:
        """The `{{ if .Tools }}` branch; `lit` checks text pasted into the template."""
        return ('{{- if .Tools }}<|im_start|>system\n{{ if $sys }}{{ (index .Messages 0).Content }}{{ else }}'
                + lit(spec["default_system"]) + "{{ end }}" + lit(spec["pre"]) + "{{ range .Tools }}\n" + GO_TOOL
                + "{{ end }}" + lit(spec["post"]) + "{{ range $i, $m := .Messages }}{{ if and $sys (eq $i 0) }}"
                '{{ else if eq .Role "tool" }}<|im_start|>user\n<tool_response>\n{{ .Content }}\n</tool_response>'
                '<|im_end|>\n{{ else if and (eq .Role "assistant") .ToolCalls }}<|im_start|>assistant'
                "{{ if .Content }}\n{{ .Content }}{{ end }}{{ range .ToolCalls }}\n<tool_call>\n"
                '{"name": "{{ .Function.Name }}", "arguments": ' + GO_ARGS + "}\n</tool_call>{{ end }}<|im_end|>\n"
                "{{ else }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}{{ end }}"
                "<|im_start|>assistant\n{{ else }}")


class Llama3Tools:
    """Llama 3.1's custom-tool layout: `Environment: ipython` opens the system preamble; the first user turn
    carries a guidance text and each tool as tojson(indent=4) followed by a blank line; a tool call is
    {"name": ..., "parameters": ...} in an assistant turn; a tool result is its JSON string in an ipython turn.
    The preamble and the guidance text are taken from the Jinja rendering."""
    H = "<|start_header_id|>{}<|end_header_id|>\n\n"

    def spec(self, jinja) -> dict:
        block = tool_json(TOOL, 4) + "\n\n"
        plain, with_sys = (jinja(TOOL_PROBES[i], [TOOL]) for i in (0, 1))
        head = self.H.format("system")
        if not plain.startswith(head) or plain.count(block) != 1:
            raise ValueError("no system turn, or the probe tool is not one tojson(indent=4) block")
        pre = plain[len(head):plain.index("<|eot_id|>")]
        after = plain[plain.index("<|eot_id|>") + len("<|eot_id|>"):]
        user = self.H.format("user")
        if not (with_sys.startswith(head + pre + "S1<|eot_id|>") and after.startswith(user)
                and after[after.index(block) + len(block):].startswith("U1<|eot_id|>")):
            raise ValueError("the tools are not in the first user turn after the system turn")
        return {"pre": pre, "guide": after[len(user):after.index(block)]}

    def render(self, spec, messages, tools) -> str:
        H = self.H.format
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
        out = H("system") + spec["pre"] + (system or "") + "<|eot_id|>"
        for k, m in enumerate(messages[1:] if system is not None else messages):
            if k == 0:
                body = spec["guide"] + "".join(tool_json(t, 4) + "\n\n" for t in tools) + m["content"]
                out += H("user") + body + "<|eot_id|>"
            elif m.get("tool_calls"):
                out += H("assistant") + "".join(f'{{"name": "{_call(c)["name"]}", "parameters": '
                                                f'{args_json(_call(c)["arguments"])}}}' for c in m["tool_calls"])
                out += "<|eot_id|>"
            elif m["role"] == "tool":
                out += H("ipython") + go_json(m["content"]) + "<|eot_id|>"
            else:
                out += H(m["role"]) + m["content"] + "<|eot_id|>"
        return out + H("assistant")

    def go(self, spec, lit) -> str:
        H = self.H.format
        return ("{{- if .Tools }}" + H("system") + lit(spec["pre"]) + "{{ if $sys }}{{ (index .Messages 0).Content }}"
                "{{ end }}<|eot_id|>{{ range $i, $m := .Messages }}{{ if and $sys (eq $i 0) }}"
                "{{ else if or (and $sys (eq $i 1)) (and (not $sys) (eq $i 0)) }}" + H("user") + lit(spec["guide"])
                + "{{ range $.Tools }}" + GO_TOOL_INDENTED + "\n\n{{ end }}{{ .Content }}<|eot_id|>"
                "{{ else if .ToolCalls }}" + H("assistant") + '{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", '
                '"parameters": ' + GO_ARGS + "}{{ end }}<|eot_id|>"
                '{{ else if eq .Role "tool" }}' + H("ipython") + "{{ json .Content }}<|eot_id|>"
                "{{ else }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}{{ end }}"
                + H("assistant") + "{{ else }}")


BRANCHES = {"chatml": ChatMLTools(), "llama3": Llama3Tools()}
WHY_NOT = {  # families whose templates have tools but no Go branch is written here (so none is emitted)
    "mistral": "no Go tool branch written for Mistral v0.3's [AVAILABLE_TOOLS]/[TOOL_CALLS] layout (it carries "
               "9-character tool call ids)",
    "harmony": "no Go tool branch written for GPT-OSS (tools as a TypeScript namespace made from the JSON schema)",
}


def _none(reason: str, probes: int = 0) -> dict:
    return {"written": False, "reason": reason, "probes": probes}


def check(family: str, jinja) -> dict:
    """{"written": bool, "reason", "probes", "spec"}: whether the family's Go tool branch renders every tool
    probe exactly as the Jinja template does (`jinja(messages, tools)`)."""
    try:
        if all(jinja(p, [TOOL]) == jinja(p, None) for p in TOOL_PROBES[:2]):
            return _none("the chat template renders no tools")
        wanted = [jinja(p, [TOOL]) for p in TOOL_PROBES]
    except Exception as exc:  # a template that rejects a tool list or tool messages (raise_exception)
        return _none(f"the chat template fails on a tool probe ({type(exc).__name__}: {exc})")
    branch = BRANCHES.get(family)
    if branch is None:
        return _none(WHY_NOT.get(family, f"no Go tool branch for the {family} family"))
    try:
        spec = branch.spec(jinja)
    except (ValueError, IndexError) as exc:
        return _none(f"the tool layout is not the one replayed here ({exc})")
    for i, (p, w) in enumerate(zip(TOOL_PROBES, wanted)):
        got = branch.render(spec, p, [TOOL])
        if got != w:
            at = next((k for k, (a, b) in enumerate(zip(got, w)) if a != b), min(len(got), len(w)))
            return _none(f"tool probe {i + 1} differs from the chat template at character {at}: "
                         f"{w[at:at + 40]!r} wanted, {got[at:at + 40]!r} replayed", i)
    return {"written": True, "reason": None, "probes": len(TOOL_PROBES), "spec": spec}
