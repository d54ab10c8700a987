"""Range checks and contradictions of a resolved training config, collected (never the first one only).

TRL's and PEFT's classes check their own fields when built (training/config.py reports what they refuse);
these are the workbench's rules on top: what a method needs, what cannot go together, what is out of range.
"""
from __future__ import annotations

from core.errors import did_you_mean

LOGGERS = ("tensorboard", "wandb", "none")
BATCHING = ("packed", "padded", "max_length")
BACKENDS = ("peft", "unsloth")


def problems(cfg, given: dict) -> list[str]:
    p = []
    if not cfg.domain:
        p.append("domain is required (e.g. --domain luanti)")
    for name, allowed in (("backend", BACKENDS), ("batching", BATCHING)):
        val = getattr(cfg, name)
        if val not in allowed:
            p.append(f"{name} {val!r} is not one of {', '.join(allowed)}{did_you_mean(val, allowed)}")
    for name in ("per_device_train_batch_size", "gradient_accumulation_steps", "save_total_limit",
                 "logging_steps", "save_steps"):
        if getattr(cfg, name) is not None and getattr(cfg, name) < 1:
            p.append(f"{name} must be at least 1, got {getattr(cfg, name)}")
    for name in ("max_items", "eval_items", "seed"):
        if getattr(cfg, name) < 0:
            p.append(f"{name} must be 0 or more, got {getattr(cfg, name)}")
    p += _adapter(cfg)
    p += _loading(cfg)
    if not 0 <= cfg.warmup_steps < 1 and not float(cfg.warmup_steps).is_integer():
        p.append(f"warmup_steps must be a ratio in [0, 1) or a whole number of steps, got {cfg.warmup_steps}")
    if cfg.learning_rate <= 0:
        p.append(f"learning_rate must be positive, got {cfg.learning_rate}")
    if cfg.loraplus_lr_ratio and cfg.loraplus_lr_ratio < 1:
        p.append(f"loraplus_lr_ratio must be 0 (off) or at least 1, got {cfg.loraplus_lr_ratio}")
    if cfg.max_steps <= 0 and cfg.num_train_epochs <= 0:
        p.append("nothing to train: max_steps is not positive and num_train_epochs is not positive; set one")
    if cfg.eval_items and cfg.method != "sft":
        p.append("eval_items (an eval loss on held-out items) is for method sft")
    if cfg.layers.strip():
        try:
            cfg.layer_list()
        except ValueError as exc:
            p.append(f"layers: {exc}")
    reporters = list(cfg.report_to or [])
    bad = [r for r in reporters if r not in LOGGERS]
    if bad:
        p.append(f"report_to: unknown logger(s) {', '.join(bad)}; use tensorboard, wandb or none")
    return p + _method(cfg, given)


def _adapter(cfg) -> list[str]:
    p = []
    if cfg.use_peft:
        if cfg.lora_r < 1:
            p.append(f"lora_r must be at least 1, got {cfg.lora_r}")
        if cfg.lora_alpha <= 0:
            p.append(f"lora_alpha must be positive, got {cfg.lora_alpha}")
        if not 0 <= cfg.lora_dropout < 1:
            p.append(f"lora_dropout must be in [0, 1), got {cfg.lora_dropout}")
        if not cfg.target():
            p.append("lora_target_modules is empty")
    else:
        if cfg.layers.strip() or cfg.loraplus_lr_ratio:
            p.append("layers and loraplus_lr_ratio shape a LoRA adapter: they need use_peft true")
        if cfg.load_in_4bit:
            p.append("load_in_4bit trains an adapter on a frozen 4-bit base: it needs use_peft true")
    if cfg.use_dora and cfg.backend == "unsloth":
        p.append("use_dora runs on the peft backend only")
    return p


DTYPES = ("float32", "bfloat16", "float16", "auto")


def attention_names() -> list[str]:
    """transformers' registered attention implementations, plus 'eager' (hub kernels 'org/name' pass too)."""
    from transformers import AttentionInterface

    return sorted({"eager", *(k for k in AttentionInterface._global_mapping if "|" not in k)})


def _loading(cfg) -> list[str]:
    """TRL ModelConfig's loading keys: dtype and attn_implementation reach from_pretrained (backends.load_base);
    load_in_8bit is refused rather than ignored."""
    p = []
    if cfg.dtype not in DTYPES:
        p.append(f"dtype {cfg.dtype!r} is not one of {', '.join(DTYPES)}{did_you_mean(str(cfg.dtype), DTYPES)}")
    attn = cfg.attn_implementation
    if attn and "/" not in attn and attn not in attention_names():
        names = attention_names()
        p.append(f"attn_implementation {attn!r} is not one of {', '.join(names)}{did_you_mean(attn, names)}")
    if cfg.backend == "unsloth" and (cfg.dtype != "float32" or attn):
        p.append("dtype and attn_implementation apply to the peft backend: Unsloth chooses its own")
    if cfg.load_in_8bit:
        p.append("load_in_8bit is not supported: use load_in_4bit (QLoRA, on a CUDA GPU) or neither")
    return p


def _method(cfg, given: dict) -> list[str]:
    p = []
    if cfg.method != "dpo" and cfg.prefs_data:
        p.append("prefs_data only applies to method dpo")
    if cfg.method == "sft" and cfg.sft_run:
        p.append("sft_run applies to methods dpo and grpo")
    if cfg.method in ("dpo", "grpo") and cfg.backend != "peft":
        p.append(f"method {cfg.method} runs on the peft backend only")
    if cfg.method == "dpo":
        p += [f"method dpo needs {k} (--{k.replace('_', '-')})" for k in ("sft_run", "prefs_data")
              if not getattr(cfg, k)]
        if cfg.batching == "packed":
            p.append("method dpo pairs a chosen and a rejected answer per row and cannot pack them: set batching "
                     "padded or max_length")
    if cfg.method in ("dpo", "grpo") and cfg.beta < 0:
        p.append(f"beta must be 0 or more, got {cfg.beta}")
    if cfg.method == "dpo" and cfg.beta == 0:
        p.append("beta must be positive for dpo")
    if cfg.method == "grpo":
        if "batching" in given:
            p.append("batching applies to sft and dpo: grpo generates its own batches; drop it")
    return p
