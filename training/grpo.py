"""Gate C, method `grpo`: reinforcement learning with the domain's validator as the reward (TRL's GRPOTrainer).

    .venv/bin/python scripts/train.py --config training/smollm2-135m_luanti_grpo.yaml --sft-run adapters/luanti/demo

Each step samples `num_generations` answers per training prompt, scores each with the domain's validator
(training/rewards.py: the fraction of the item's levels reached, 1.0 only for a pass, 0 for an edit that
changes nothing) and moves the policy toward the answers that beat their group's mean, held near the reference
by a KL term of weight `beta`. The policy starts from an SFT run's adapter (`sft_run`; the reference is a
frozen copy of it, and the adapter's shape is taken from that run) or from the base with a fresh adapter (the
reference is the base). Prompts are the domain's messages for its training items, rendered with the
tokenizer's chat template and the domain's chat arguments (tools) as gate B renders them.

Run layout, checkpoints, resume after kill -9 and the finished-run check are every method's
(training/run.py). run.json and workbench.json record the reward and its source.
"""
from __future__ import annotations

import sys
from pathlib import Path

from core import meta
from core.errors import DataError, UserError
from core.files import sha256_file, shipped
from domains.loading import split_defective
from training import backends
from training.callbacks import CheckpointMeta
from training.continued import inherit, load_policy
from training.data import domain_for, style_counts
from training.rewards import ValidatorReward
from training.runs import log_trend
from training.trainer import build_trainer, finish_args


def settle(cfg) -> None:
    """Continuing an SFT run: its adapter shape (training/continued.py)."""
    if cfg.sft_run:
        inherit(cfg)


def prompt_items(cfg, domain) -> tuple[list[dict], dict]:
    """The training items whose prompts GRPO samples (broken gold left out, as SFT does), and their record."""
    path = cfg.train_data or shipped(domain.default_train)
    if not path:
        raise UserError(f"domain {cfg.domain!r} has no default training file; pass --train-data")
    items = domain.load(path)
    good, broken = split_defective(items)
    if broken:
        print(f"warning: {path}: {len(broken)} of {len(items)} items have a reference that does not pass its own "
              "check; their prompts are left out", file=sys.stderr, flush=True)
    items = good[:cfg.max_items] if cfg.max_items else good
    if not items:
        raise DataError(Path(path), None, "no training items")
    return items, {"path": str(path), "sha256": sha256_file(path), "items": len(items), "items_read": len(good) + len(broken)}


def prompts(domain, tok, items: list[dict]):
    from datasets import Dataset

    rows = [{"prompt": tok.apply_chat_template(domain.messages(it), add_generation_prompt=True, tokenize=False,
                                               **(domain.chat_kwargs(it) or {})),
             "item_id": str(it["id"])} for it in items]
    return Dataset.from_list(rows)


def prepare(cfg, out: Path):
    from trl import GRPOTrainer

    from training.lm_head import cpu_loss_head

    domain = domain_for(cfg)
    items, data_info = prompt_items(cfg, domain)
    ckpt, sft_meta = inherit(cfg) if cfg.sft_run else (None, {})
    # the registers the policy was trained on: its prompts' and, continuing an SFT run, that run's (gate E)
    data_info.update(style_counts(items, sft_meta.get("train_data")))
    ref, tok, model = load_policy(cfg, ckpt) if ckpt else backends.load(cfg)
    precision = finish_args(cfg)
    cpu_loss_head()  # on a CPU the loss head scores completion positions only, in one matmul (training/lm_head.py)
    reward = ValidatorReward(domain, items)
    trainer = build_trainer(GRPOTrainer, out, loraplus_lr_ratio=cfg.loraplus_lr_ratio, model=model,
                            reward_funcs=[reward], args=cfg.args, train_dataset=prompts(domain, tok, items),
                            processing_class=tok)
    trainable, total = backends.count_params(trainer.model)
    description = {
        "base_model": ref.describe(), "domain": domain.describe(), "train_data": data_info,
        "config": cfg.to_dict(), "method": "grpo", "adapter": backends.adapter_kind(cfg), "backend": cfg.backend,
        "precision": precision, "attention": getattr(model.config, "_attn_implementation", None),
        "trainable_params": trainable, "total_params": total,
        "grpo": {"reward": "validator levels reached / levels (1.0 only for a pass; 0 for an unchanged edit)",
                 "levels": list(domain.levels), "sft_checkpoint": str(ckpt) if ckpt else None,
                 "sft_step": sft_meta.get("step"),
                 "reference": "the SFT adapter (frozen copy)" if ckpt else "the base model",
                 "beta": cfg.beta, "num_generations": cfg.num_generations,
                 "max_completion_length": cfg.max_completion_length, "temperature": cfg.temperature},
        **meta.run_info()}
    trainer.add_callback(CheckpointMeta(description))
    return trainer, description


def start_line(d: dict) -> str:
    g = d["grpo"]
    return (f"[train] {d['domain']['name']} GRPO: {d['train_data']['items']} prompts x {g['num_generations']} "
            f"answers, validator reward over levels {', '.join(g['levels']) or '(the verdicts)'}, beta {g['beta']}, "
            f"reference {g['reference']}; {d['adapter']} trainable {d['trainable_params']:,} of "
            f"{d['total_params']:,} params; precision {d['precision']['precision']}")


def finish(record: dict, out: Path) -> None:
    """The mean reward, pass rate and KL at the first and the last logged step (log.jsonl)."""
    record["grpo"]["trend"] = log_trend(Path(out) / "log.jsonl", ("step", "reward", "pass_rate", "kl"))
