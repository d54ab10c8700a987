"""The Modelfile TEMPLATE of every chat-template family the seed systems deploy: each family's Go-template
replay renders conversations exactly as the model's Jinja template (fixtures: the public templates, written
into tests/fixtures/deploy/chat_templates), an unknown template is refused naming the closest family, and the
export's Modelfile step runs on a tiny model of each architecture with that tokenizer."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import domains
from core.errors import UserError
from deploy import templates
from deploy.export import export, write_modelfile

FIX = Path(__file__).parent / "fixtures" / "deploy" / "chat_templates"
META = {k: v for k, v in json.loads((FIX / "tokens.json").read_text()).items() if not k.startswith("_")}

# beyond the probes the family was matched on: longer, multi-line, several turns
MORE = [
    [{"role": "system", "content": "You write Lua.\nBe brief."}, {"role": "user", "content": "a lamp\nthat glows"},
     {"role": "assistant", "content": "```lua\nx = 1\n```"}, {"role": "user", "content": "now red"},
     {"role": "assistant", "content": "ok"}, {"role": "user", "content": "and blue"}],
    [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "q2"},
     {"role": "assistant", "content": "a2"}, {"role": "user", "content": "q3"}],
]


def family_tokenizer(base, name: str, template: str | None = None):
    tok = copy.deepcopy(base)
    t = META[name]["tokens"]
    tok.add_special_tokens({k: v for k, v in t.items() if v is not None})
    if t["bos_token"] is None:
        tok.bos_token = None
    tok.chat_template = template if template is not None else (FIX / f"{name}.jinja").read_text()
    return tok


@pytest.mark.parametrize("name", sorted(META))
def test_each_family_replays_the_jinja_template(tokenizer, name):
    tok = family_tokenizer(tokenizer, name)
    m = templates.match(tok)
    assert m["family"] == META[name]["family"]
    fam, jinja = templates.FAMILIES[m["family"]], templates.jinja_renderer(tok)
    for conv in templates.PROBES + MORE:
        assert fam.render(m["spec"], conv) == jinja(conv)
    assert m["template_adds_bos"] == (META[name]["tokens"]["bos_token"] is not None)
    # every action closed, none opening with '{', no trim marker eating text (what the replay does not model)
    templates.check_go(m["go"])
    assert "{{" in m["go"]


def test_the_embedded_models_template_is_chatml_with_its_default_system(tokenizer):
    m = templates.match(tokenizer)
    assert m["family"] == "chatml" and m["template_adds_bos"] is False
    assert m["spec"]["default_system"].startswith("You are a helpful AI assistant named SmolLM")


@pytest.mark.parametrize("name,change,closest", [
    ("mistral", ("+ '[/INST]'", "+ ' [/INST]'"), "mistral"),             # v0.1 spacing: not what the Go text writes
    ("qwen2.5", ("'<|im_start|>' + message.role + '\\n'", "'<|im_start|>' + message.role + ': '"), "chatml"),
    ("gemma3", ("'<start_of_turn>model\\n'}}", "'<start_of_turn>model\\n\\n'}}"), "gemma"),
])
def test_a_template_no_family_reproduces_is_refused_naming_the_closest(tokenizer, name, change, closest):
    text = (FIX / f"{name}.jinja").read_text()
    assert change[0] in text
    tok = family_tokenizer(tokenizer, name, text.replace(change[0], change[1]))
    with pytest.raises(UserError, match=f"no known family .*closest: {closest} "):
        templates.match(tok)


def test_a_template_that_refuses_a_probe_is_refused(tokenizer):
    tok = family_tokenizer(tokenizer, "gemma3", "{% if messages[0]['role'] == 'system' %}"
                                                "{{ raise_exception('System role not supported') }}{% endif %}x")
    with pytest.raises(UserError, match="fails on a probe conversation.*System role not supported"):
        templates.match(tok)


@pytest.fixture(scope="module")
def arch_exports(tokenizer, tmp_path_factory):
    """A tiny model of each fixture's architecture with that family's tokenizer, exported (merge + logits
    check, no GGUF), keyed by fixture name."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from core.tiny import make_tiny_model_dir

    out = {}
    for name in sorted(META):
        tok = family_tokenizer(tokenizer, name)
        root = tmp_path_factory.mktemp(name)
        model_dir = make_tiny_model_dir(tok, root / "model", arch=META[name]["arch"])
        torch.manual_seed(3)
        peft = get_peft_model(AutoModelForCausalLM.from_pretrained(model_dir),
                              LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                         init_lora_weights=False))
        peft.save_pretrained(root / "adapter")
        res = export(domains.get("luanti"), str(model_dir), str(root / "adapter"), 1.0, root / "export",
                     gguf_types=(), check_prompts=1, log=lambda *_: None)
        out[name] = (root / "export", res)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(META))
def test_the_export_writes_a_checked_modelfile_for_each_architecture(arch_exports, name):
    from transformers import AutoConfig, AutoTokenizer

    out, res = arch_exports[name]
    assert res["checks"]["logits"]["passed"]
    merged = out / "merged"
    assert AutoConfig.from_pretrained(merged).model_type == META[name]["arch"]
    tok = AutoTokenizer.from_pretrained(merged)     # the family survives the save: the merged folder's template
    info = write_modelfile(out, domains.get("luanti"), tok, [f"{name}-q8_0.gguf", f"{name}-q4_k_m.gguf"], 4096)
    text = (out / "Modelfile").read_text()
    assert info["family"] == META[name]["family"] and info["from"] == f"{name}-q4_k_m.gguf"
    assert f"FROM ./{name}-q4_k_m.gguf" in text and f"the {info['family']} family" in text
    assert templates.match(tok)["go"] in text and "SYSTEM" in text and "PARAMETER num_ctx 4096" in text
    for stop in templates.FAMILIES[info["family"]].stops:
        assert f"PARAMETER stop {json.dumps(stop)}" in text
    # the fixtures with a tool branch (Qwen2.5, Llama 3.1) keep it through the save; the others say why not
    assert info["tools"]["written"] == (name in ("qwen2.5", "llama3.1")) == ("{{- if .Tools }}" in text)


def _tool_conversation():
    from deploy.tool_templates import CALL

    return [{"role": "system", "content": "You call tools.\nOne at a time."}, {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": "Let me look.", "tool_calls": [CALL]},
            {"role": "tool", "content": '{"temp": 21}'}, {"role": "assistant", "content": "21 C"},
            {"role": "user", "content": "thanks"}]


@pytest.mark.parametrize("name", ["qwen2.5", "llama3.1"])
def test_the_tool_branch_replays_the_jinja_template_and_the_modelfile_says_so(tokenizer, name):
    from deploy import ollama, tool_templates as tt

    tok = family_tokenizer(tokenizer, name)
    m = templates.match(tok)
    assert m["tools"] == {"written": True, "reason": None, "probes": len(tt.TOOL_PROBES)}
    assert "{{- if .Tools }}" in m["go"] and "{{ json .Function.Name }}" in m["go"]
    jinja, branch = templates.jinja_renderer(tok), tt.BRANCHES[m["family"]]
    conv = _tool_conversation()
    assert branch.render(m["spec"]["tools"], conv, [tt.TOOL]) == jinja(conv, [tt.TOOL])
    # a second tool with no enum and nothing required, beside the first
    other = {"type": "function", "function": {"name": "now", "description": "The time",
                                              "parameters": {"type": "object", "properties": {}, "required": []}}}
    assert branch.render(m["spec"]["tools"], conv, [tt.TOOL, other]) == jinja(conv, [tt.TOOL, other])
    # without tools the family's own branch still renders as Jinja
    assert templates.FAMILIES[m["family"]].render(m["spec"], MORE[0]) == jinja(MORE[0])
    text, info = ollama.modelfile("x-q4_k_m.gguf", tok, "sys", [], 4096)
    assert info["tools"]["written"] and "# tools: a tool branch, rendering 4 tool probe conversations" in text


def test_the_go_json_walk_keeps_go_order_so_a_differently_ordered_schema_is_not_claimed(tokenizer):
    """The documented limit, shown: Go ranges over maps in key order, Jinja keeps the request's order."""
    from deploy import tool_templates as tt

    tok = family_tokenizer(tokenizer, "qwen2.5")
    jinja, m = templates.jinja_renderer(tok), templates.match(tok)
    tool = copy.deepcopy(tt.TOOL)
    props = tool["function"]["parameters"]["properties"]
    tool["function"]["parameters"]["properties"] = {"unit": props["unit"], "city": props["city"]}
    got = tt.BRANCHES["chatml"].render(m["spec"]["tools"], tt.TOOL_PROBES[0], [tool])
    assert got != jinja(tt.TOOL_PROBES[0], [tool])
    assert tt.go_json({"b": "<x>", "a": [1, 2]}) == '{"a":[1,2],"b":"\\u003cx\\u003e"}'


@pytest.mark.parametrize("name,change,reason", [
    ("qwen2.5", ("tool | tojson", "tool | tojson(indent=2)"), "tool layout is not the one replayed here"),
    ("qwen2.5", ("'\\n<tool_response>\\n'", "'\\n<tool_result>\\n'"), "tool probe 3 differs from the chat template"),
    ("llama3.1", ("tojson(indent=4)", "tojson(indent=2)"), "tool layout is not the one replayed here"),
    ("llama3.1", ('{{- message.content | tojson }}', '{{- message.content }}'), "tool probe 3 differs"),
    ("mistral", None, "renders no tools"),
])
def test_a_tool_branch_that_cannot_be_matched_is_not_written(tokenizer, name, change, reason):
    from deploy import ollama

    text = (FIX / f"{name}.jinja").read_text()
    if change:
        assert change[0] in text
        text = text.replace(change[0], change[1])
    tok = family_tokenizer(tokenizer, name, text)
    m = templates.match(tok)
    assert m["family"] == META[name]["family"] and not m["tools"]["written"] and reason in m["tools"]["reason"]
    assert ".Tools" not in m["go"]
    mf, _ = ollama.modelfile("x.gguf", tok, None, [], 4096)
    assert "# tools: no tool branch (" in mf and "Ollama refuses requests with tools" in mf


@pytest.mark.parametrize("go", ["a\n{{- .Content }}", "{{ .Content -}}\nb", '{{{ "x" }}', "{{ .Content }"])
def test_go_text_the_replays_do_not_model_is_caught(go):
    with pytest.raises(AssertionError, match="Go template"):
        templates.check_go(go)
