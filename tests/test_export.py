"""make export: merged folder + logits check, GGUF through llama.cpp's own converter (+ greedy check in
transformers), the Ollama Modelfile's TEMPLATE against the Jinja chat template, the model card."""
from __future__ import annotations

import json

import pytest

import domains
from core.errors import UserError
from deploy import gguf, merge, ollama
from deploy.export import export


@pytest.fixture(scope="module")
def tiny_adapter(tiny_model_dir, tmp_path_factory):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(2)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    peft = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"],
                                           init_lora_weights=False))
    out = tmp_path_factory.mktemp("adapter")
    peft.save_pretrained(out)
    return out


def test_merged_export_checks_logits_and_describes_itself(tiny_model_dir, tiny_adapter, tmp_path):
    res = export(domains.get("luanti"), str(tiny_model_dir), str(tiny_adapter), 0.5, tmp_path / "x",
                 gguf_types=(), check_prompts=2, log=lambda *_: None)
    merged = tmp_path / "x" / "merged"
    assert {"model.safetensors", "config.json", "tokenizer.json", "chat_template.jinja"} <= \
        {p.name for p in merged.iterdir()}
    chk = res["checks"]["logits"]
    assert chk["passed"] and chk["max_abs_diff"] < 1e-4 and chk["prompts"] == 2
    assert res["scale"] == 0.5 and res["adapter"]["path"] == str(tiny_adapter)
    card = (tmp_path / "x" / "README.md").read_text()
    assert f"base_model: {tiny_model_dir}" in card and "scale 0.5" in card and "passed" in card
    assert json.loads((tmp_path / "x" / "export.json").read_text())["run"]["git_commit"]
    # the check can fail: the same folder against the adapter at another scale
    from transformers import AutoTokenizer

    prompts = merge.chat_prompts(AutoTokenizer.from_pretrained(merged), domains.get("luanti"), 1)
    wrong = merge.logits_check(str(tiny_model_dir), str(tiny_adapter), 1.0, merged, prompts)
    assert not wrong["passed"] and wrong["max_abs_diff"] > 1e-3


@pytest.mark.network  # first use downloads the pinned llama-cpp-python sdist (76.6 MB) into the cache
def test_gguf_q8_0_through_llama_cpp_converter_reproduces_greedy_outputs(tiny_model_dir, tmp_path):
    info = gguf.convert(tiny_model_dir, tmp_path / "t-q8_0.gguf", "q8_0")
    assert info["bytes"] > 1_000_000 and (tmp_path / "t-q8_0.gguf").read_bytes()[:4] == b"GGUF"
    from gguf import GGUFReader

    reader = GGUFReader(tmp_path / "t-q8_0.gguf")
    arch = reader.fields["general.architecture"]
    assert bytes(arch.parts[arch.data[0]]).decode() == "llama"
    assert any(t.tensor_type.name == "Q8_0" for t in reader.tensors)
    from transformers import AutoTokenizer

    prompts = merge.chat_prompts(AutoTokenizer.from_pretrained(tiny_model_dir), domains.get("luanti"), 2)
    chk = gguf.greedy_check(tiny_model_dir, tmp_path / "t-q8_0.gguf", prompts, max_new_tokens=12)
    assert chk["identical"] == chk["prompts"] == 2, chk["first_difference"]
    with pytest.raises(UserError, match="expected one of"):
        gguf.convert(tiny_model_dir, tmp_path / "x.gguf", "q4_k_m")
    if gguf.llama_available():  # `make llama-cpp`: the same file in llama.cpp itself
        in_llama = gguf.llama_check(tiny_model_dir, tmp_path / "t-q8_0.gguf", prompts, max_new_tokens=12)
        assert in_llama["loader"] == "llama.cpp" and in_llama["identical"] == 2, in_llama["first_difference"]


CONVERSATIONS = [
    [{"role": "user", "content": "make a lamp"}],
    [{"role": "system", "content": "You write Lua."}, {"role": "user", "content": "a lamp"}],
    [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}],
]


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_modelfile_template_renders_like_the_chat_template(tokenizer, messages):
    spec = ollama.chatml_spec(tokenizer)
    assert ollama.render(spec, messages) == tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                                          tokenize=False)


def test_modelfile_contents(tokenizer):
    text = ollama.modelfile("m-q8_0.gguf", tokenizer, "Be brief.", ["```\n"], 8192)
    assert text.splitlines()[1] == "FROM ./m-q8_0.gguf"
    assert "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}" in text
    assert "You are a helpful AI assistant named SmolLM" in text     # the template's own default system
    assert 'SYSTEM """Be brief."""' in text and 'PARAMETER stop "<|im_end|>"' in text
    assert 'PARAMETER stop "```\\n"' in text and "PARAMETER num_ctx 8192" in text


def test_a_non_chatml_template_is_refused(tokenizer):
    import copy

    tok = copy.deepcopy(tokenizer)
    tok.chat_template = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
    with pytest.raises(UserError, match="not ChatML"):
        ollama.chatml_spec(tok)
