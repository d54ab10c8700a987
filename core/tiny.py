"""Tiny random models with the embedded tokenizer, for tests (never a download).

A 2-layer, hidden-64 Llama trains and generates in milliseconds a step, and exercises the same code
paths (chat template, PEFT, TRL, generation) as the real model. ARCHS has the same tiny shape for the other
architectures the seed systems deploy (Qwen2, Mistral, Gemma, GPT-OSS), for the export tests.
"""
from __future__ import annotations

from pathlib import Path

# architecture -> (config class, model class, extra config keys) in transformers
ARCHS = {
    "llama": ("LlamaConfig", "LlamaForCausalLM", {}),
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", {}),
    "mistral": ("MistralConfig", "MistralForCausalLM", {"sliding_window": None}),
    "gemma": ("GemmaConfig", "GemmaForCausalLM", {"head_dim": 16}),
    "gpt_oss": ("GptOssConfig", "GptOssForCausalLM", {"num_local_experts": 4, "num_experts_per_tok": 2,
                                                      "head_dim": 16, "sliding_window": 16,
                                                      "layer_types": None}),
}


def tiny_config(tokenizer, layers: int = 2, hidden: int = 64, arch: str = "llama"):
    import transformers

    config_cls, _, extra = ARCHS[arch]
    extra = dict(extra)
    if "layer_types" in extra:  # GPT-OSS alternates sliding and full attention
        extra["layer_types"] = ["sliding_attention", "full_attention"] * (layers // 2) + ["sliding_attention"] * (layers % 2)
    return getattr(transformers, config_cls)(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=2048, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, **extra)


def make_tiny_model_dir(tokenizer, out_dir, layers: int = 2, hidden: int = 64, seed: int = 0,
                        arch: str = "llama") -> Path:
    """Write a tiny random model of `arch` + tokenizer to `out_dir` (a normal local model folder)."""
    import torch
    import transformers

    torch.manual_seed(seed)
    model = getattr(transformers, ARCHS[arch][1])(tiny_config(tokenizer, layers, hidden, arch))
    out = Path(out_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
