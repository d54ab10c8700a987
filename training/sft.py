"""Gate C: supervised LoRA/QLoRA fine-tuning of a base model on a domain's chat data, with TRL.

Run layout (the checkpoint contract gate D reads):

    <output_dir>/<domain>/<run_name>/
        run.json                     config, status running|finished|failed, step, wall time (atomic)
        log.jsonl                    one line per logged step: loss, lr, tokens/s, label tokens/s, ETA
        tensorboard/                 TensorBoard events (default logger)
        checkpoint-<step>/           PEFT adapter (adapter_config.json, adapter_model.safetensors),
                                     workbench.json (self-description, written last = complete),
                                     optimizer/scheduler/rng/trainer_state.json for resuming

What it guarantees: the loss is on the completion only (the share of labelled tokens is measured on the
prepared data, logged and recorded, and zero fails loudly, as does an unlabelled closing EOS); a killed run
restarted with the same command resumes from its last complete checkpoint and continues the step count and
the loss curve; the trainable-parameter count recorded is counted from the live model. What it does not do:
judge the adapter (gates D and E).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import time
from pathlib import Path

from core import meta
from core.errors import UserError
from core.files import atomic_write_json, read_json, shipped
from training import backends, config as config_mod
from training.callbacks import META_FILE, CheckpointMeta, SaveAtEnd, ThroughputMixin, open_metrics_log
from training.data import build_dataset, label_stats, require_labels


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def run_dir(cfg) -> Path:
    return Path(cfg.run_dir) if cfg.run_dir else Path(cfg.output_dir) / cfg.domain / cfg.run_name


def checkpoints(path: Path, complete_only: bool = True) -> list[Path]:
    """Checkpoint folders sorted by step; complete ones have workbench.json and trainer_state.json."""
    found = []
    for p in Path(path).glob("checkpoint-*"):
        suffix = p.name.split("-", 1)[1]
        if not suffix.isdigit():
            continue
        done = (p / META_FILE).is_file() and (p / "trainer_state.json").is_file()
        if done or not complete_only:
            found.append((int(suffix), p))
    return [p for _, p in sorted(found)]


def find_resume(cfg, out: Path) -> str | None:
    """The checkpoint to resume from, after checking it was made with the same settings."""
    done = checkpoints(out)
    if not done:
        return None
    if not cfg.resume:
        raise UserError(f"{out} already holds checkpoints and resume is off; choose another --run-name or "
                        "delete that folder")
    last = done[-1]
    changed = config_mod.diff(read_json(last / META_FILE).get("config", {}), cfg.to_dict())
    if changed:
        raise UserError(f"{last} was trained with different settings ({', '.join(changed)}); resume with the "
                        "same config or choose another --run-name")
    if is_main_process():
        # A checkpoint newer than the last complete one was cut by a kill; the Trainer rewrites it.
        for p in checkpoints(out, complete_only=False):
            if int(p.name.split("-")[1]) > int(last.name.split("-")[1]):
                shutil.rmtree(p, ignore_errors=True)
    return str(last)


def finished_step(cfg, resume: str | None) -> int | None:
    """The step of `resume` when it already is the run's last (its step reaches the config's max_steps, or,
    trained by epochs, the steps the Trainer planned for the same num_epochs); None when there is more to
    train. The Trainer itself would resume such a run and train one step past it."""
    if not resume or not (Path(resume) / "trainer_state.json").is_file():
        return None
    state = read_json(Path(resume) / "trainer_state.json")
    step = int(state.get("global_step") or 0)
    if cfg.max_steps > 0:
        return step if step >= cfg.max_steps else None
    old = read_json(Path(resume) / META_FILE).get("config", {})
    same_epochs = old.get("max_steps", 0) == 0 and float(old.get("num_epochs", 1.0)) == float(cfg.num_epochs)
    return step if same_epochs and step >= int(state.get("max_steps") or 0) > 0 else None


def use_bf16(cfg) -> tuple[bool, dict]:
    """(autocast in bf16?, the precision choice with its evidence) for the config's bf16 setting."""
    from core.precision import resolve

    value = cfg.bf16 if not isinstance(cfg.bf16, bool) else ("true" if cfg.bf16 else "false")
    choice = resolve({"auto": "auto", "true": "bf16", "false": "fp32"}[str(value).lower()])
    return choice["precision"] == "bf16", choice


def reporters(cfg) -> list[str]:
    """The loggers to hand the Trainer; a logger whose package is missing is a UserError."""
    names = [r.strip() for r in cfg.report_to.split(",") if r.strip()]
    for name in names:
        if name != "none" and importlib.util.find_spec(name) is None:
            raise UserError(f"report_to {name!r} needs the {name} package (pip install {name}); "
                            "or pass --report-to none")
    return [] if names == ["none"] else names


def common_args(cfg, out: Path, bf16: bool = False) -> dict:
    """The TrainingArguments SFT and DPO share: schedule, batches, checkpoints, logging, devices."""
    return dict(
        output_dir=str(out), run_name=f"{cfg.domain}/{cfg.run_name}", seed=cfg.seed, data_seed=cfg.seed,
        learning_rate=cfg.learning_rate, lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup_ratio,
        weight_decay=cfg.weight_decay, max_grad_norm=cfg.max_grad_norm,
        per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=cfg.grad_accum,
        max_steps=cfg.max_steps or -1, num_train_epochs=cfg.num_epochs, max_length=cfg.max_length,
        bf16=bf16, use_cpu=not backends.has_cuda(), gradient_checkpointing=cfg.gradient_checkpointing,
        save_strategy="steps", save_steps=cfg.save_steps, save_total_limit=cfg.save_total_limit,
        logging_steps=cfg.logging_steps, logging_first_step=True, report_to=reporters(cfg),
        ddp_find_unused_parameters=False, dataloader_pin_memory=backends.has_cuda(), disable_tqdm=False)


def sft_args(cfg, out: Path, bf16: bool = False):
    from trl import SFTConfig

    batching = {
        "packed": {"packing": True, "packing_strategy": "bfd"},   # padding-free bins of max_length
        "padded": {"packing": False},
        "max_length": {"packing": False, "pad_to_multiple_of": cfg.max_length},  # every batch padded full
    }[cfg.batching]
    return SFTConfig(**common_args(cfg, out, bf16), completion_only_loss=True, **batching)


class LoraPlusMixin:
    """LoRA+ (Hayou et al. 2024) when `loraplus_lr_ratio` is set: PEFT's own optimizer builder puts the
    lora_B matrices in a group with ratio x the learning rate, with the optimizer class and arguments the
    Trainer would have used; the scheduler then scales every group alike. Unset: the Trainer's optimizer."""
    loraplus_lr_ratio = 0.0

    def create_optimizer(self, model=None):
        if self.loraplus_lr_ratio and self.optimizer is None:
            from peft.optimizers import create_loraplus_optimizer

            opt_model = self.model if model is None else model
            cls, kwargs = self.get_optimizer_cls_and_kwargs(self.args, opt_model)
            self.optimizer = create_loraplus_optimizer(
                opt_model, cls, loraplus_lr_ratio=self.loraplus_lr_ratio,
                loraplus_weight_decay=self.args.weight_decay, **kwargs)
        return super().create_optimizer(model)


def build_trainer(base, out: Path, loraplus_lr_ratio: float = 0.0, **kwargs):
    """`base` (a TRL trainer class) with the throughput log (and LoRA+, when asked) mixed in, built with
    TensorBoard under the run dir: the same folder for every restart so the curve continues in one place.
    The callback reads the variable when the trainer is built; it is restored so later runs get their own."""
    class WorkbenchTrainer(ThroughputMixin, LoraPlusMixin, base):
        pass

    WorkbenchTrainer.loraplus_lr_ratio = float(loraplus_lr_ratio)

    saved = os.environ.get("TENSORBOARD_LOGGING_DIR")
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(out / "tensorboard")
    try:
        return WorkbenchTrainer(callbacks=[SaveAtEnd()], **kwargs)
    finally:
        if saved is None:
            os.environ.pop("TENSORBOARD_LOGGING_DIR", None)
        else:
            os.environ["TENSORBOARD_LOGGING_DIR"] = saved


def make_trainer(cfg, model, tok, dataset, out: Path, bf16: bool = False):
    from trl import SFTTrainer

    from training.lm_head import compact_on_cpu

    compact_on_cpu()  # the loss head scores labelled positions only, on a CPU too (training/lm_head.py)
    base = SFTTrainer
    if cfg.backend == "unsloth":  # pragma: no cover - GPU only
        from unsloth import UnslothTrainer as base  # noqa: N813
    return build_trainer(base, out, loraplus_lr_ratio=cfg.loraplus_lr_ratio, model=model,
                         args=sft_args(cfg, out, bf16), train_dataset=dataset, processing_class=tok)


def _write_run(out: Path, record: dict) -> None:
    if is_main_process():
        atomic_write_json(out / "run.json", {**record, "updated": meta.now()})


def prepare(cfg):
    """Everything before the first step: data, model, trainer, label checks, the checkpoint description."""
    import domains

    domain = domains.get(cfg.domain)
    if cfg.specialist:
        if not hasattr(domain, "configure"):
            raise UserError(f"domain {cfg.domain!r} has no specialists; drop --specialist")
        domain.configure(specialist=cfg.specialist)
    data_path = cfg.train_data or shipped(domain.default_train)
    if not data_path:
        raise UserError(f"domain {cfg.domain!r} has no default training file; pass --train-data")
    dataset, data_info = build_dataset(domain, data_path, cfg.max_items, cfg.keep_broken_gold)
    out = run_dir(cfg)
    resume = find_resume(cfg, out)
    ref, tok, model = backends.load(cfg)
    trainable, total = backends.count_params(model)
    bf16, precision = use_bf16(cfg)
    trainer = make_trainer(cfg, model, tok, dataset, out, bf16)
    stats = label_stats(trainer.train_dataset, tok.convert_tokens_to_ids(tok.eos_token))
    require_labels(stats, data_info["items"])
    description = {
        "base_model": ref.describe(), "domain": domain.describe(), "train_data": data_info,
        "config": cfg.to_dict(), "method": cfg.method, "backend": cfg.backend, "precision": precision,
        "attention": getattr(model.config, "_attn_implementation", None),
        "trainable_params": trainable, "total_params": total,
        "label_token_share": round(stats["label_token_share"], 6), "label_stats": stats, **meta.run_info()}
    trainer.add_callback(CheckpointMeta(description))
    return trainer, description, out, resume


def _report_start(d: dict, resume) -> None:
    if is_main_process() and "dpo" in d:
        p = d["dpo"]
        print(f"[train] {d['domain']['name']} DPO ({p['loss_type']}, beta {p['beta']}): {p['pairs']['pairs']} pairs "
              f"from {p['pairs']['path']}, continuing {p['sft_checkpoint']}; LoRA trainable "
              f"{d['trainable_params']:,} of {d['total_params']:,} params; precision "
              f"{d['precision']['precision']}" + (f"; resuming from {resume}" if resume else ""), flush=True)
    elif is_main_process():
        s = d["label_stats"]
        print(f"[train] {d['domain']['name']}: {d['train_data']['items']} items, {s['sequences']} sequences, "
              f"{s['tokens']} tokens, label share {s['label_token_share']:.3f}, closing EOS labelled "
              f"{s['eos_labelled']}x; LoRA trainable {d['trainable_params']:,} of {d['total_params']:,} "
              f"params; precision {d['precision']['precision']} ({d['precision']['reason']})"
              + (f"; resuming from {resume}" if resume else ""), flush=True)


def train(cfg, on_ready=None) -> dict:
    """Run (or resume) training for a resolved TrainConfig; return the final run.json record.
    `on_ready(trainer)` is called just before the first step (tests use it to snapshot the weights)."""
    if cfg.method == "dpo":
        from training import dpo

        trainer, description, out, resume = dpo.prepare(cfg)
    else:
        trainer, description, out, resume = prepare(cfg)
    if on_ready is not None:
        on_ready(trainer)
    _report_start(description, resume)
    previous = read_json(out / "run.json") if (resume and (out / "run.json").is_file()) else {}
    wall0 = float(previous.get("wall_time_s", 0.0))
    # After prepare(): DPO takes its LoRA shape from the SFT run there, and the resume check needs it.
    done_at = finished_step(cfg, resume)
    if done_at is not None:   # rerun of a finished run (make demo again): nothing to do, nothing rewritten
        print(f"[train] {out} is already trained to step {done_at}: nothing to do (a higher --max-steps "
              "continues it)", flush=True)
        record = {**previous, "status": "finished", "step": done_at, "checkpoints": [p.name for p in checkpoints(out)]}
        if record != previous:  # killed between the last checkpoint and run.json
            _write_run(out, {"config": cfg.to_dict(), "wall_time_s": wall0, **meta.run_info(), **record})
        return read_json(out / "run.json")
    record = {"status": "running", "config": cfg.to_dict(), "step": 0, "wall_time_s": wall0,
              "started": previous.get("started", meta.now()), "resumed_from": resume,
              "label_token_share": description.get("label_token_share"), "precision": description["precision"],
              "trainable_params": description["trainable_params"], **meta.run_info()}
    if "dpo" in description:  # the SFT adapter continued and the preference pairs, as the checkpoints say
        record["dpo"] = description["dpo"]
    _write_run(out, record)
    t0 = time.perf_counter()
    if is_main_process():
        trainer.metrics_log = open_metrics_log(out, int(Path(resume).name.split("-")[1]) if resume else 0)
    try:
        trainer.train(resume_from_checkpoint=resume)
    except BaseException as exc:
        _write_run(out, {**record, "status": "failed", "error": f"{type(exc).__name__}: {exc}",
                         "step": trainer.state.global_step, "wall_time_s": wall0 + time.perf_counter() - t0})
        raise
    finally:
        if trainer.metrics_log is not None:
            trainer.metrics_log.close()
    record.update(status="finished", step=trainer.state.global_step,
                  wall_time_s=round(wall0 + time.perf_counter() - t0, 2),
                  checkpoints=[p.name for p in checkpoints(out)])
    if "dpo" in record:
        from training.dpo import margin_trend

        record["dpo"]["margins"] = margin_trend(out / "log.jsonl")
    _write_run(out, record)
    return record
