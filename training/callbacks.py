"""What the trainer logs and writes besides the weights.

* `ThroughputMixin` (mixed into every method's trainer; GRPO: completion tokens): counts the tokens of every micro-batch (all tokens and
  those carrying a label) and adds `tokens_per_s`, `label_tokens_per_s`, `eta_s` to each log line, summed
  over processes under DDP. It counts what the model really processed, so padding shows up as a lower
  label rate, which is what the speed benchmark compares.
* `MetricsLog`: the logged lines, one JSON object per step in <run>/log.jsonl through `AppendLog`, so a
  resumed run continues the curve without repeating a step.
* `CheckpointMeta`: writes `workbench.json` into each checkpoint folder after the Trainer saved it. It is
  written last and atomically, so its presence marks a complete checkpoint (resume trusts nothing else).
* `SaveAtEnd`: also checkpoints the last step when it is not a multiple of save_steps.
"""
from __future__ import annotations

import time
from pathlib import Path

from transformers import TrainerCallback

from core.files import AppendLog, atomic_write_json, atomic_write_jsonl

META_FILE = "workbench.json"


class ThroughputMixin:
    """Mixed in before the TRL trainer class: `class T(ThroughputMixin, SFTTrainer)`."""

    _wb_tokens = 0
    _wb_label_tokens = 0
    _wb_padded = 0  # positions the model computed, padding included
    _wb_t0 = None
    _wb_step0 = 0
    metrics_log = None

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if "input_ids" in inputs:
            ids, mask = inputs["input_ids"], inputs.get("attention_mask")
        else:  # GRPO: a prompt and a completion per row
            ids = inputs["completion_ids"]
            mask = inputs.get("completion_mask")
        self._wb_tokens += int(mask.sum()) if mask is not None else ids.numel()
        self._wb_padded += ids.numel()
        labels = inputs.get("labels")
        if labels is not None:
            self._wb_label_tokens += int((labels[..., 1:] != -100).sum())  # the loss uses shifted labels
        if self._wb_t0 is None:
            self._wb_t0, self._wb_step0 = time.perf_counter(), self.state.global_step
        return super().compute_loss(model, inputs, return_outputs=return_outputs,
                                    num_items_in_batch=num_items_in_batch)

    def _wb_global(self, *values):
        import torch
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            t = torch.tensor(values, dtype=torch.float64, device=self.args.device)
            dist.all_reduce(t)  # every rank reaches log() at the same step, so this cannot deadlock
            return t.tolist()
        return list(values)

    def log(self, logs, start_time=None):
        if "loss" in logs and self._wb_t0 is not None:
            elapsed = max(time.perf_counter() - self._wb_t0, 1e-9)
            tokens, labelled = self._wb_global(self._wb_tokens, self._wb_label_tokens)
            done = self.state.global_step - self._wb_step0
            left = max(self.state.max_steps - self.state.global_step, 0)
            logs["tokens_per_s"] = round(tokens / elapsed, 1)
            if labelled:  # DPO batches carry no labels: a rate of 0 would read as a stalled run
                logs["label_tokens_per_s"] = round(labelled / elapsed, 1)
            logs["eta_s"] = round(elapsed / done * left, 1) if done else None
        super().log(logs, start_time)
        if self.metrics_log is not None and self.is_world_process_zero() and "loss" in logs:
            self.metrics_log.append({"step": self.state.global_step, **logs})


class CheckpointMeta(TrainerCallback):
    def __init__(self, meta: dict):
        self.meta = meta  # everything but the step; sft.py fills it before training starts

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            atomic_write_json(ckpt / META_FILE, {**self.meta, "step": state.global_step})
        return control


class SaveAtEnd(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.max_steps and state.global_step >= state.max_steps:
            control.should_save = True
        return control


def open_metrics_log(run_dir: Path, upto_step: int) -> AppendLog:
    """The run's log, keeping only lines up to the step the run (re)starts from: lines written after the
    last checkpoint by a killed run are redone by the restart, and must appear once."""
    path = Path(run_dir) / "log.jsonl"
    if path.exists():
        with AppendLog(path, key=lambda r: r["step"]) as old:  # also cuts a line torn by kill -9
            kept = [rec for rec in old.records if rec["step"] <= upto_step]
        atomic_write_jsonl(path, kept)
    return AppendLog(path, key=lambda rec: rec["step"])
