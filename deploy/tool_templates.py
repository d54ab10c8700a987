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
tool results as `<tool_response>` in a user turn). Not written, so refused as above: Llama 3.1 (schemas
as `tojson(indent=4)` in the first user turn, results as JSON strings in an `ipython` turn), Mistral v0.3
(`[AVAILABLE_TOOLS]`/`[TOOL_CALLS]` with 9-character call ids), GPT-OSS harmony (tools as a TypeScript
namespace made from the JSON schema), and chatml templates whose tool layout is not Qwen2.5's.
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


def go_json(value) -> str:
    """Ollama's `json` template function (Go's json.Marshal): compact, map keys sorted, HTML characters escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _items(xs) -> str:
    return ", ".join(go_json(x) for x in xs)


# One tool as JSON with transformers' separators. `{{ "{" }}` prints a brace where a literal one would touch an
# action (`{{{` does not parse); `$n` marks "not the first property" (Go templates have no loop.first on maps).
GO_TOOL = ('{"type": "function", "function": {"name": {{ json .Function.Name }}, "description": '
           '{{ json .Function.Description }}, "parameters": {"type": {{ json .Function.Parameters.Type }}, '
           '"properties": {{ "{" }}{{ $n := 0 }}{{ range $k, $v := .Function.Parameters.Properties }}'
           '{{ if $n }}, {{ end }}{{ json $k }}: {"type": {{ json $v.Type }}, "description": {{ json $v.Description }}'
           '{{ if $v.Enum }}, "enum": [{{ range $j, $e := $v.Enum }}{{ if $j }}, {{ end }}{{ json $e }}{{ end }}]'
           '{{ end }}}{{ $n = 1 }}{{ end }}}, "required": [{{ range $i, $r := .Function.Parameters.Required }}'
           '{{ if $i }}, {{ end }}{{ json $r }}{{ end }}]}}}')
GO_ARGS = ('{{ "{" }}{{ $a := 0 }}{{ range $k, $v := .Function.Arguments }}{{ if $a }}, {{ end }}'
           '{{ json $k }}: {{ json $v }}{{ $a = 1 }}{{ end }}}')


def tool_json(tool: dict) -> str:
    """GO_TOOL's output, replayed."""
    f = tool["function"]
    p = f.get("parameters") or {}
    props = []
    for k, v in sorted((p.get("properties") or {}).items()):
        enum = f', "enum": [{_items(v["enum"])}]' if v.get("enum") else ""
        props.append(f'{go_json(k)}: {{"type": {go_json(v.get("type"))}, "description": '
                     f'{go_json(v.get("description", ""))}{enum}}}')
    return (f'{{"type": "function", "function": {{"name": {go_json(f["name"])}, "description": '
            f'{go_json(f.get("description", ""))}, "parameters": {{"type": {go_json(p.get("type", ""))}, '
            f'"properties": {{{", ".join(props)}}}, "required": [{_items(p.get("required") or [])}]}}}}}}')


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


BRANCHES = {"chatml": ChatMLTools()}
WHY_NOT = {  # families whose templates have tools but no Go branch is written here (so none is emitted)
    "llama3": "no Go tool branch written for Llama 3.1's layout (schemas as tojson(indent=4) inside the first "
              "user turn, tool results as JSON strings in an ipython turn)",
    "mistral": "no Go tool branch written for Mistral v0.3's [AVAILABLE_TOOLS]/[TOOL_CALLS] layout (it carries "
               "9-character tool call ids)",
    "harmony": "no Go tool branch written for GPT-OSS (tools as a TypeScript namespace made from the JSON schema)",
}


def check(family: str, jinja) -> dict:
    """{"written": bool, "reason", "probes", "spec"}: whether the family's Go tool branch renders every tool
    probe exactly as the Jinja template does (`jinja(messages, tools)`)."""
    try:
        if all(jinja(p, [TOOL]) == jinja(p, None) for p in TOOL_PROBES[:2]):
            return {"written": False, "reason": "the chat template renders no tools", "probes": 0}
    except Exception as exc:  # a template that rejects tool messages or a tool list
        return {"written": False, "reason": f"the chat template fails on a tool probe ({type(exc).__name__}: "
                                            f"{exc})", "probes": 0}
    branch = BRANCHES.get(family)
    if branch is None:
        return {"written": False, "probes": 0, "reason": WHY_NOT.get(family, f"no Go tool branch for the {family} family")}
    try:
        spec = branch.spec(jinja)
        wanted = [jinja(p, [TOOL]) for p in TOOL_PROBES]
    except (ValueError, IndexError) as exc:
        return {"written": False, "probes": 0, "reason": f"the tool layout is not the one replayed here ({exc})"}
    except Exception as exc:
        return {"written": False, "probes": 0, "reason": f"the chat template fails on a tool probe ({exc})"}
    for i, (p, w) in enumerate(zip(TOOL_PROBES, wanted)):
        got = branch.render(spec, p, [TOOL])
        if got != w:
            at = next((k for k, (a, b) in enumerate(zip(got, w)) if a != b), min(len(got), len(w)))
            return {"written": False, "probes": i, "reason": f"tool probe {i + 1} differs from the chat template at "
                                                              f"character {at}: {w[at:at + 40]!r} wanted, {got[at:at + 40]!r} replayed"}
    return {"written": True, "reason": None, "probes": len(TOOL_PROBES), "spec": spec}
