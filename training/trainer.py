"""What every method's TRL trainer gets from the workbench: the precision decision, the loggers, TensorBoard
under the run folder, the throughput log, LoRA+ and the last-step checkpoint (training/callbacks.py).
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from core.errors import UserError
from training.callbacks import SaveAtEnd, ThroughputMixin


def use_bf16(cfg) -> tuple[bool, dict]:
    """(autocast in bf16?, the precision choice with its evidence) for the config's bf16 setting."""
    from core.precision import resolve

    choice = resolve({"auto": "auto", "true": "bf16", "false": "fp32"}[str(cfg.bf16).lower()])
    return choice["precision"] == "bf16", choice


def check_reporters(cfg) -> None:
    """A logger whose package is missing is a UserError (before anything loads)."""
    for name in cfg.report_to or []:
        if name != "none" and importlib.util.find_spec(name) is None:
            raise UserError(f"report_to {name!r} needs the {name} package (pip install {name}); "
                            "or pass --report-to none")


def finish_args(cfg) -> dict:
    """Set what is decided at run time on TRL's arguments (bf16); return the precision record."""
    import dataclasses
    import warnings

    bf16, precision = use_bf16(cfg)
    if bf16 != cfg.args.bf16:  # rebuilt, not set: TrainingArguments derives the mixed-precision setup in __init__
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".gradient_checkpointing. is deprecated")
            derived = {}
            if getattr(cfg.args, "steps_per_generation", None) is not None:
                # GRPOConfig derives one of these two from the other and refuses both: keep the steps (given or
                # derived); the batch is recomputed to the same value
                derived["generation_batch_size"] = None
            cfg.args = dataclasses.replace(cfg.args, bf16=bf16, **derived)
    return precision


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
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(Path(out) / "tensorboard")
    try:
        return WorkbenchTrainer(callbacks=[SaveAtEnd()], **kwargs)
    finally:
        if saved is None:
            os.environ.pop("TENSORBOARD_LOGGING_DIR", None)
        else:
            os.environ["TENSORBOARD_LOGGING_DIR"] = saved
