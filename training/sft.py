"""Gate C, method `sft`: supervised fine-tuning of a base model on a domain's chat data (TRL's SFTTrainer,
completion-only loss), as a LoRA/DoRA/rsLoRA adapter (PEFT), on a 4-bit base (QLoRA, GPU), or the full model.

    .venv/bin/python scripts/train.py --config training/smollm2-135m_luanti_demo.yaml [--lora-r 64 ...]

What it guarantees: the loss is on the completion only (the share of labelled tokens is measured on the
prepared data, logged and recorded, and zero fails loudly, as does an unlabelled closing EOS); with
`eval_items` N, the last N items are held out and their loss logged every `eval_steps`; the trainable-parameter
count recorded is counted from the live model. Run layout, resume and the finished-run check: training/run.py
and training/runs.py. What it does not do: judge the adapter (gates D and E).
"""
from __future__ import annotations

from pathlib import Path

from core import meta
from core.errors import UserError
from core.files import shipped
from training import backends
from training.callbacks import CheckpointMeta
from training.data import build_dataset, domain_for, label_stats, require_labels
from training.trainer import build_trainer, finish_args

BATCHING = {
    "packed": {"packing": True, "packing_strategy": "bfd"},   # padding-free bins of max_length
    "padded": {"packing": False},
    "max_length": {"packing": False, "pad_to_multiple_of": None},  # every batch padded to max_length
}


def settle(cfg) -> None:
    """The batching choice onto TRL's keys, and the eval schedule when items are held out."""
    for key, value in BATCHING[cfg.batching].items():
        cfg.set(key, cfg.max_length if key == "pad_to_multiple_of" else value)
    if cfg.eval_items:
        cfg.set("eval_strategy", "steps")
        cfg.set("eval_steps", cfg.eval_steps or cfg.save_steps)
        cfg.set("per_device_eval_batch_size", cfg.per_device_train_batch_size)


def training_data(cfg, domain):
    """(train dataset, eval dataset or None, data record): the domain's items, the last eval_items held out."""
    data_path = cfg.train_data or shipped(domain.default_train)
    if not data_path:
        raise UserError(f"domain {cfg.domain!r} has no default training file; pass --train-data")
    dataset, info = build_dataset(domain, data_path, cfg.max_items, cfg.keep_broken_gold)
    if not cfg.eval_items:
        return dataset, None, info
    if cfg.eval_items >= len(dataset):
        raise UserError(f"eval_items {cfg.eval_items} leaves nothing to train on ({len(dataset)} items)")
    cut = len(dataset) - cfg.eval_items
    info = {**info, "items": cut, "eval_items": cfg.eval_items}
    return dataset.select(range(cut)), dataset.select(range(cut, len(dataset))), info


def prepare(cfg, out: Path):
    """Data, model, trainer, label checks, the checkpoint description."""
    from trl import SFTTrainer

    from training.lm_head import cpu_loss_head

    domain = domain_for(cfg)
    dataset, eval_set, data_info = training_data(cfg, domain)
    ref, tok, model = backends.load(cfg)
    trainable, total = backends.count_params(model)
    precision = finish_args(cfg)
    cpu_loss_head()  # on a CPU the loss head scores labelled positions only, in one matmul (training/lm_head.py)
    base = SFTTrainer
    if cfg.backend == "unsloth":  # pragma: no cover - GPU only
        from unsloth import UnslothTrainer as base  # noqa: N813
    trainer = build_trainer(base, out, loraplus_lr_ratio=cfg.loraplus_lr_ratio, model=model, args=cfg.args,
                            train_dataset=dataset, eval_dataset=eval_set, processing_class=tok)
    stats = label_stats(trainer.train_dataset, tok.convert_tokens_to_ids(tok.eos_token))
    require_labels(stats, data_info["items"])
    description = {
        "base_model": ref.describe(), "domain": domain.describe(), "train_data": data_info,
        "config": cfg.to_dict(), "method": cfg.method, "adapter": backends.adapter_kind(cfg),
        "backend": cfg.backend, "precision": precision,
        "attention": getattr(model.config, "_attn_implementation", None),
        "trainable_params": trainable, "total_params": total,
        "label_token_share": round(stats["label_token_share"], 6), "label_stats": stats, **meta.run_info()}
    trainer.add_callback(CheckpointMeta(description))
    return trainer, description


def start_line(d: dict) -> str:
    s = d["label_stats"]
    return (f"[train] {d['domain']['name']}: {d['train_data']['items']} items, {s['sequences']} sequences, "
            f"{s['tokens']} tokens, label share {s['label_token_share']:.3f}, closing EOS labelled "
            f"{s['eos_labelled']}x; {d['adapter']} trainable {d['trainable_params']:,} of {d['total_params']:,} "
            f"params; precision {d['precision']['precision']} ({d['precision']['reason']})")
