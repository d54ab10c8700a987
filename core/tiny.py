"""Tiny random Llama models with the embedded tokenizer, for tests (never a download).

A 2-layer, hidden-64 Llama trains and generates in milliseconds a step, and exercises the same code
paths (chat template, PEFT, TRL, generation) as the real model.
"""
from __future__ import annotations

from pathlib import Path


def tiny_config(tokenizer, layers: int = 2, hidden: int = 64):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=2048, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)


def make_tiny_model_dir(tokenizer, out_dir, layers: int = 2, hidden: int = 64, seed: int = 0) -> Path:
    """Write a tiny random Llama + tokenizer to `out_dir` (a normal local model folder)."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(tiny_config(tokenizer, layers, hidden))
    out = Path(out_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
