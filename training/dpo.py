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

from core import meta
from core.errors import UserError
from training import backends
from training.callbacks import CheckpointMeta
from training.continued import inherit, load_policy, sft_checkpoint  # noqa: F401 - scripts/prefs.py reads it here
from training.prefs import read_pairs
from training.runs import log_trend
from training.trainer import build_trainer, finish_args


def settle(cfg) -> None:
    """The adapter shape is the SFT run's (training/continued.py); DPO pads, never packs."""
    inherit(cfg)
    cfg.set("pad_to_multiple_of", cfg.max_length if cfg.batching == "max_length" else None)


def pair_stats(dataset, max_length: int) -> dict:
    """Token counts of the TRL-tokenized pairs, and how many the max_length cut (keep_start)."""
    cut, tokens = 0, 0
    for p, c, r in zip(dataset["prompt_ids"], dataset["chosen_ids"], dataset["rejected_ids"]):
        tokens += len(p) * 2 + len(c) + len(r)
        cut += len(p) + max(len(c), len(r)) > max_length
    return {"rows": len(dataset), "tokens": tokens, "truncated": cut}


def prepare(cfg, out: Path):
    """(trainer, description): the pairs, the SFT adapter as the policy (a frozen copy as reference)."""
    from datasets import Dataset
    from trl import DPOTrainer

    import domains
    from training.lm_head import cpu_loss_head

    domain = domains.get(cfg.domain)
    ckpt, sft_meta = inherit(cfg)
    rows, pairs = read_pairs(cfg.prefs_data)
    if cfg.max_items:
        rows = rows[:cfg.max_items]
    ref, tok, model = load_policy(cfg, ckpt)
    precision = finish_args(cfg)
    cpu_loss_head()  # on a CPU the loss head scores completion positions only, in one matmul (training/lm_head.py)
    trainer = build_trainer(DPOTrainer, out, loraplus_lr_ratio=cfg.loraplus_lr_ratio, model=model, args=cfg.args,
                            train_dataset=Dataset.from_list(rows), processing_class=tok)
    stats = pair_stats(trainer.train_dataset, cfg.max_length)
    if stats["rows"] == 0:
        raise UserError(f"every prompt of {cfg.prefs_data} fills max_length {cfg.max_length}: no pair is left "
                        "to train on; raise max_length")
    trainable, total = backends.count_params(trainer.model)
    description = {
        "base_model": ref.describe(), "domain": domain.describe(),
        "train_data": (sft_meta.get("train_data") or {}),  # the items the SFT adapter saw (gate D's audit)
        "config": cfg.to_dict(), "method": "dpo", "adapter": backends.adapter_kind(cfg), "backend": cfg.backend,
        "precision": precision, "attention": getattr(model.config, "_attn_implementation", None),
        "trainable_params": trainable, "total_params": total,
        "dpo": {"sft_checkpoint": str(ckpt), "sft_step": sft_meta.get("step"),
                "reference": "the SFT adapter (frozen copy)", "beta": cfg.beta, "loss_type": cfg.loss_type,
                "pairs": {**pairs, "used": len(rows), **stats}},
        **meta.run_info()}
    trainer.add_callback(CheckpointMeta(description))
    return trainer, description


def start_line(d: dict) -> str:
    p = d["dpo"]
    return (f"[train] {d['domain']['name']} DPO ({', '.join(p['loss_type'])}, beta {p['beta']}): "
            f"{p['pairs']['pairs']} pairs from {p['pairs']['path']}, continuing {p['sft_checkpoint']}; "
            f"{d['adapter']} trainable {d['trainable_params']:,} of {d['total_params']:,} params; precision "
            f"{d['precision']['precision']}")


def finish(record: dict, out: Path) -> None:
    record["dpo"]["margins"] = log_trend(Path(out) / "log.jsonl", ("step", "rewards/margins",
                                                                  "rewards/accuracies", "loss"))


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
