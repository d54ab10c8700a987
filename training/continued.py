"""Continuing an SFT run (methods dpo and grpo): which checkpoint, its adapter's shape, the policy model.

The adapter's shape (rank, alpha, dropout, target modules, layer restriction, DoRA/rsLoRA, 4-bit base, or a
full model) is the SFT run's: `inherit` copies those keys from its config into the new run's config before
anything loads, so the new run's resume check compares what it really trains. The trainable adapter is the
SFT adapter; TRL keeps a frozen copy as the reference model ("ref" adapter), so the reference is the SFT
model, not the base.
"""
from __future__ import annotations

from pathlib import Path

from core import models
from core.errors import UserError
from core.files import read_json
from training import backends, legacy
from training.callbacks import META_FILE
from training.runs import checkpoints

# Adapter-shape keys a continuing run takes from the SFT run it continues.
SHAPE_KEYS = ("use_peft", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "layers", "use_dora",
              "use_rslora", "load_in_4bit")


def sft_checkpoint(spec) -> Path:
    """The SFT checkpoint to continue: a checkpoint folder as given, a run folder's last complete one."""
    p = Path(spec)
    if (p / META_FILE).is_file() and ((p / "adapter_config.json").is_file() or (p / "config.json").is_file()):
        return p
    if not p.is_dir():
        raise UserError(f"sft_run {spec}: no such folder (expected adapters/<domain>/<run> or one of its "
                        "checkpoint-<step>/ folders)")
    done = checkpoints(p)
    if not done:
        raise UserError(f"sft_run {spec}: no complete checkpoint (checkpoint-<step>/ with workbench.json); "
                        "train the SFT stage first")
    return done[-1]


def inherit(cfg) -> tuple[Path, dict]:
    """Copy the SFT run's adapter shape into cfg; return (its checkpoint, its workbench.json)."""
    ckpt = sft_checkpoint(cfg.sft_run)
    sft_meta = read_json(ckpt / META_FILE)
    sft_cfg = legacy.upgrade(sft_meta.get("config") or {}, "", None)
    if sft_cfg.get("domain") and sft_cfg["domain"] != cfg.domain:
        raise UserError(f"{ckpt} was trained for domain {sft_cfg['domain']!r}, this run is for {cfg.domain!r}")
    for key in SHAPE_KEYS:
        if key in sft_cfg:
            cfg.set(key, sft_cfg[key])
    return ckpt, sft_meta


def load_policy(cfg, ckpt: Path):
    """(ref, tokenizer, model whose trainable weights start as the SFT run's)."""
    from peft import PeftModel, prepare_model_for_kbit_training

    from eval.checkpoints import check_adapter

    if cfg.load_in_4bit and not backends.has_cuda():
        raise UserError(f"{ckpt} is a QLoRA adapter: the base loads in 4 bits like its SFT run did, which needs "
                        "a CUDA GPU")
    if cfg.model_name_or_path == models.EMBEDDED:
        models.ensure_embedded_converted()
    ref = models.resolve(cfg.model_name_or_path)
    tok = models.load_tokenizer(ref, padding_side="right")
    if not cfg.use_peft:  # a fully fine-tuned SFT checkpoint is a whole model
        return ref, tok, backends.load_base(cfg, models.resolve(str(ckpt)))
    check_adapter(ckpt, ref)  # the adapter was trained on this base model
    base = backends.load_base(cfg, ref)
    if cfg.load_in_4bit:  # pragma: no cover - GPU only
        base = prepare_model_for_kbit_training(base, use_gradient_checkpointing=cfg.gradient_checkpointing)
    return ref, tok, PeftModel.from_pretrained(base, str(ckpt), is_trainable=True)
