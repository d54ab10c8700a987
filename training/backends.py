"""Base model + LoRA adapter, through PEFT (CPU and GPU) or Unsloth (GPU only).

Both backends return a PEFT model whose `save_pretrained` writes the same adapter format
(adapter_config.json + adapter_model.safetensors), loadable with `PeftModel.from_pretrained` on the plain
base model. What this checks: a GPU for QLoRA and Unsloth (a clear `UserError` on a CPU), layer indices
within the model's depth, that the target modules exist. It does not check that the adapter helps; gates D
and E do.
"""
from __future__ import annotations

import importlib.util

from core import models
from core.errors import UserError


def has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def require_gpu(cfg) -> None:
    if cfg.backend == "unsloth" and not has_cuda():
        raise UserError("backend 'unsloth' needs a CUDA GPU and none is visible; use --backend peft on a CPU")
    if cfg.load_in_4bit and not has_cuda():
        raise UserError("load_in_4bit (QLoRA) loads the base in 4 bits through bitsandbytes, which needs a CUDA "
                        "GPU; use --load-in-4bit false on a CPU")
    if cfg.backend == "unsloth" and importlib.util.find_spec("unsloth") is None:
        raise UserError("backend 'unsloth' needs the unsloth package (pip install unsloth on the GPU machine); "
                        "or use --backend peft")


def linear_module_names(model) -> list[str]:
    """Short names of the nn.Linear modules inside the decoder layers (what PEFT's 'all-linear' picks:
    the output head is left out)."""
    import torch

    return sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules()
                   if isinstance(m, torch.nn.Linear) and ".layers." in n})


def lora_config(cfg, num_layers: int, model=None):
    from peft import LoraConfig

    layers = cfg.layer_list()
    if layers and max(layers) >= num_layers:
        raise UserError(f"layers {cfg.layers!r}: the model has {num_layers} decoder layers (0-{num_layers - 1})")
    target = cfg.target()
    if layers and isinstance(target, str):
        # PEFT refuses layers_to_transform with the 'all-linear' keyword: name the linear modules instead
        if model is None:
            raise UserError("a layer restriction with target_modules=all_linear needs the model to list its "
                            "linear modules")
        target = linear_module_names(model)
    return LoraConfig(
        r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout, bias="none",
        task_type=cfg.lora_task_type or "CAUSAL_LM", target_modules=target, use_dora=cfg.use_dora,
        use_rslora=cfg.use_rslora, modules_to_save=cfg.lora_modules_to_save,
        # PEFT matches the layer index after `layers_pattern` in the module path (model.layers.<i>.)
        layers_to_transform=layers, layers_pattern="layers" if layers else None)


def adapter_kind(cfg) -> str:
    """What trains: 'full' (every weight), or the adapter: LoRA, DoRA, rsLoRA, on a 4-bit base as QLoRA."""
    if not cfg.use_peft:
        return "full"
    kind = "DoRA" if cfg.use_dora else "rsLoRA" if cfg.use_rslora else "LoRA"
    return f"Q{kind}" if cfg.load_in_4bit else kind


def count_params(model) -> tuple[int, int]:
    """(trainable, total), counted from the live parameters, not from a formula."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total


def _check_targets(model, cfg) -> None:
    wanted = cfg.target()
    if isinstance(wanted, str) or not cfg.use_peft:
        return
    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = [m for m in wanted if m not in names]
    if missing:
        raise UserError(f"target_modules {missing} not found in the model (it has e.g. "
                        f"{sorted(n for n in names if 'proj' in n)[:8]})")


def load_base(cfg, ref):
    """The base model (or a fully fine-tuned checkpoint) as TRL's ModelConfig asks: `dtype` for its weights
    (float32 by default: the Trainer's bf16 autocast computes in bf16 while the optimiser keeps fp32 weights;
    bfloat16 halves the memory and trains every weight in bf16), `attn_implementation` (None: transformers'
    choice, or for packed SFT the workbench's per-sequence attention, training/attention.py)."""
    return models.load_model(ref, dtype=cfg.dtype, load_in_4bit=cfg.load_in_4bit,
                             attn_implementation=cfg.attn_implementation)


def load_peft(cfg):
    """(ref, tokenizer, peft_model) through PEFT."""
    from peft import get_peft_model, prepare_model_for_kbit_training

    if cfg.model_name_or_path == models.EMBEDDED:
        models.ensure_embedded_converted()
    ref = models.resolve(cfg.model_name_or_path)
    tok = models.load_tokenizer(ref, padding_side="right")
    base = load_base(cfg, ref)
    if cfg.load_in_4bit:
        base = prepare_model_for_kbit_training(base, use_gradient_checkpointing=cfg.gradient_checkpointing)
    _check_targets(base, cfg)
    if cfg.method == "sft" and cfg.batching == "packed" and not cfg.attn_implementation:
        # padding-free rows: attention per packed sequence (training/attention.py); one the config names wins
        from training import attention

        attention.enable(base)
    # The LoRA matrices are drawn here, before the Trainer seeds anything: seed them from the config, so the
    # same seed gives the same adapter whatever ran earlier in the process (a precision probe, a data check).
    from transformers import set_seed

    set_seed(cfg.seed)
    if not cfg.use_peft:  # full fine-tuning: every weight trains, checkpoints hold the whole model
        return ref, tok, base
    model = get_peft_model(base, lora_config(cfg, base.config.num_hidden_layers, base))
    return ref, tok, model


def load_unsloth(cfg):  # pragma: no cover - needs a CUDA GPU
    """(ref, tokenizer, peft_model) through Unsloth; imported only here because it needs a GPU."""
    from unsloth import FastLanguageModel

    ref = models.resolve(cfg.model_name_or_path)
    model, _ = FastLanguageModel.from_pretrained(ref.path, max_seq_length=cfg.max_length, dtype=None,
                                                 load_in_4bit=cfg.load_in_4bit)
    _check_targets(model, cfg)
    layers = cfg.layer_list()
    lc = lora_config(cfg, model.config.num_hidden_layers, model)
    model = FastLanguageModel.get_peft_model(
        model, r=lc.r, lora_alpha=lc.lora_alpha, lora_dropout=lc.lora_dropout, target_modules=lc.target_modules,
        layers_to_transform=layers, bias="none", random_state=cfg.seed,
        use_gradient_checkpointing="unsloth" if cfg.gradient_checkpointing else False)
    # The workbench tokenizer keeps pad distinct from EOS so EOS is learnt; Unsloth's may not.
    return ref, models.load_tokenizer(ref, padding_side="right"), model


def load(cfg):
    require_gpu(cfg)
    return load_unsloth(cfg) if cfg.backend == "unsloth" else load_peft(cfg)
