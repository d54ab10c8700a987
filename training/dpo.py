"""Gate C, second stage: Direct Preference Optimization (TRL's DPOTrainer) continuing an SFT adapter.

    .venv/bin/python scripts/train.py --config training/smollm2-135m_luanti_dpo.yaml \
        --sft-run adapters/luanti/demo --prefs-data results/luanti/demo/prefs/pairs.jsonl

The trainable adapter *is* the SFT adapter (loaded from `sft_run`'s last complete checkpoint, or the
checkpoint named), and a frozen copy of it is the reference model (TRL copies the loaded adapter into a
"ref" adapter, so the reference is the SFT model, not the base). The base model loads as the SFT run
loaded it (full precision, or 4-bit for a QLoRA run, GPU only). The adapter's shape (rank, alpha,
dropout, target modules, layer restriction) is the SFT adapter's: those keys are taken from the SFT
run's config and recorded, whatever the DPO config said. Everything else is the SFT stage's: run
layout, checkpoints with workbench.json, resume, log.jsonl, TensorBoard, YAML + CLI overrides.

The checkpoints are ordinary PEFT adapters on the same base (a `ref/` subfolder holds the frozen copy),
so gates D and E evaluate them as they do SFT checkpoints. run.json and every workbench.json record the
SFT checkpoint continued, the preference file (hash, pairs, defects), beta and the loss; run.json also
records the logged reward margin (beta x the log-probability margin of chosen over rejected, against
the reference) at the first and last logged step.

What it does not do: make the pairs (`make prefs`, eval/prefs.py), or judge the result (gates D and E).
"""
from __future__ import annotations

from pathlib import Path

from core import meta, models
from core.errors import UserError
from core.files import iter_jsonl, read_json
from training import backends
from training.callbacks import META_FILE, CheckpointMeta
from training.prefs import read_pairs

# Adapter-shape keys the DPO stage takes from the SFT run it continues.
SHAPE_KEYS = ("lora_r", "lora_alpha", "lora_dropout", "target_modules", "layers")


def sft_checkpoint(spec) -> Path:
    """The SFT checkpoint to continue: a checkpoint folder as given, a run folder's last complete one."""
    from training.sft import checkpoints

    p = Path(spec)
    if (p / META_FILE).is_file() and (p / "adapter_config.json").is_file():
        return p
    if not p.is_dir():
        raise UserError(f"sft_run {spec}: no such folder (expected adapters/<domain>/<run> or one of its "
                        "checkpoint-<step>/ folders)")
    done = checkpoints(p)
    if not done:
        raise UserError(f"sft_run {spec}: no complete checkpoint (checkpoint-<step>/ with workbench.json); "
                        "train the SFT stage first")
    return done[-1]


def inherit_shape(cfg, sft_meta: dict, ckpt: Path) -> str:
    """Copy the SFT adapter's shape into cfg; return the SFT run's method (lora or qlora)."""
    sft_cfg = sft_meta.get("config") or {}
    if sft_cfg.get("domain") and sft_cfg["domain"] != cfg.domain:
        raise UserError(f"{ckpt} was trained for domain {sft_cfg['domain']!r}, this DPO run is for {cfg.domain!r}")
    method = sft_cfg.get("method", "lora")
    if method == "dpo":  # DPO on a DPO run: continue it, with its own SFT run's base loading
        method = (sft_meta.get("dpo") or {}).get("base_method", "lora")
    for key in SHAPE_KEYS:
        if key in sft_cfg:
            setattr(cfg, key, sft_cfg[key])
    return method


def load_policy(cfg, ckpt: Path, base_method: str):
    """(ref, tokenizer, PEFT model whose trainable adapter is the SFT adapter)."""
    from peft import PeftModel, prepare_model_for_kbit_training

    from eval.checkpoints import check_adapter

    if base_method == "qlora" and not backends.has_cuda():
        raise UserError(f"{ckpt} is a QLoRA adapter: DPO loads the base in 4 bits like its SFT run did, which "
                        "needs a CUDA GPU")
    if cfg.model == models.EMBEDDED:
        models.ensure_embedded_converted()
    ref = models.resolve(cfg.model)
    check_adapter(ckpt, ref)  # the adapter was trained on this base model
    tok = models.load_tokenizer(ref, padding_side="right")
    base = models.load_model(ref, load_in_4bit=base_method == "qlora")
    if base_method == "qlora":  # pragma: no cover - GPU only
        base = prepare_model_for_kbit_training(base, use_gradient_checkpointing=cfg.gradient_checkpointing)
    return ref, tok, PeftModel.from_pretrained(base, str(ckpt), is_trainable=True)


def dpo_args(cfg, out: Path, bf16: bool = False):
    from trl import DPOConfig

    from training.sft import common_args

    return DPOConfig(**common_args(cfg, out, bf16), beta=cfg.beta, loss_type=[cfg.loss_type],
                     pad_to_multiple_of=cfg.max_length if cfg.batching == "max_length" else None,
                     precompute_ref_log_probs=False)


def pair_stats(dataset, max_length: int) -> dict:
    """Token counts of the TRL-tokenized pairs, and how many the max_length cut (keep_start)."""
    cut, tokens = 0, 0
    for p, c, r in zip(dataset["prompt_ids"], dataset["chosen_ids"], dataset["rejected_ids"]):
        tokens += len(p) * 2 + len(c) + len(r)
        cut += len(p) + max(len(c), len(r)) > max_length
    return {"rows": len(dataset), "tokens": tokens, "truncated": cut}


def prepare(cfg):
    """DPO's counterpart of training.sft.prepare: (trainer, description, run folder, resume checkpoint)."""
    from datasets import Dataset
    from trl import DPOTrainer

    import domains
    from training.lm_head import compact_on_cpu
    from training.sft import build_trainer, find_resume, run_dir, use_bf16

    domain = domains.get(cfg.domain)
    ckpt = sft_checkpoint(cfg.sft_run)
    sft_meta = read_json(ckpt / META_FILE)
    base_method = inherit_shape(cfg, sft_meta, ckpt)
    rows, pairs = read_pairs(cfg.prefs_data)
    if cfg.max_items:
        rows = rows[:cfg.max_items]
    out = run_dir(cfg)
    resume = find_resume(cfg, out)
    ref, tok, model = load_policy(cfg, ckpt, base_method)
    bf16, precision = use_bf16(cfg)
    compact_on_cpu()  # the loss head scores completion positions only, on a CPU too (training/lm_head.py)
    trainer = build_trainer(DPOTrainer, out, loraplus_lr_ratio=cfg.loraplus_lr_ratio, model=model,
                            args=dpo_args(cfg, out, bf16),
                            train_dataset=Dataset.from_list(rows), processing_class=tok)
    stats = pair_stats(trainer.train_dataset, cfg.max_length)
    if stats["rows"] == 0:
        raise UserError(f"every prompt of {cfg.prefs_data} fills max_length {cfg.max_length}: no pair is left "
                        "to train on; raise max_length")
    trainable, total = backends.count_params(trainer.model)
    description = {
        "base_model": ref.describe(), "domain": domain.describe(),
        "train_data": (sft_meta.get("train_data") or {}),  # the items the SFT adapter saw (gate D's audit)
        "config": cfg.to_dict(), "method": "dpo", "backend": cfg.backend, "precision": precision,
        "attention": getattr(model.config, "_attn_implementation", None),
        "trainable_params": trainable, "total_params": total,
        "dpo": {"sft_checkpoint": str(ckpt), "sft_step": sft_meta.get("step"), "base_method": base_method,
                "reference": "the SFT adapter (frozen copy)", "beta": cfg.beta, "loss_type": cfg.loss_type,
                "pairs": {**pairs, "used": len(rows), **stats}},
        **meta.run_info()}
    trainer.add_callback(CheckpointMeta(description))
    return trainer, description, out, resume


def margin_trend(log_path) -> dict:
    """The logged reward margin and accuracy at the first and the last logged step (log.jsonl)."""
    lines = [r for _, r in iter_jsonl(log_path) if "rewards/margins" in r] if Path(log_path).is_file() else []
    if not lines:
        return {}
    pick = ("step", "rewards/margins", "rewards/accuracies", "loss")
    return {"first": {k: lines[0].get(k) for k in pick}, "last": {k: lines[-1].get(k) for k in pick}}


def logp_margins(model, tok, rows: list[dict]) -> list[float]:
    """Per pair: log p(chosen | prompt) - log p(rejected | prompt) under `model`, summed over the answer's
    tokens (what DPO raises relative to the reference). For tests and reports; no gradients."""
    import torch

    def answer_logp(prompt, answer) -> float:
        head = tok.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False)
        full = tok.apply_chat_template(prompt + answer, tokenize=False)
        ids = tok(full, return_tensors="pt", add_special_tokens=False)["input_ids"]
        start = len(tok(head, add_special_tokens=False)["input_ids"])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, :-1].float()
        logps = torch.log_softmax(logits, -1).gather(1, ids[0, 1:, None])[:, 0]
        return float(logps[start - 1:].sum())

    model.eval()
    return [answer_logp(r["prompt"], r["chosen"]) - answer_logp(r["prompt"], r["rejected"]) for r in rows]
