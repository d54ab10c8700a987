"""The earlier flat training keys, read through their new names for one version, each with a one-line note.

    batch_size -> per_device_train_batch_size      method: lora  -> method: sft
    grad_accum -> gradient_accumulation_steps      method: qlora -> method: sft + load_in_4bit: true
    ... (RENAMED below; docs/training-config.md has the table)

PEFT's own LoraConfig names (`r`, `target_modules`, `modules_to_save`) are accepted without a note: they are
the names PEFT users know, and mean ModelConfig's lora_* keys. `output_dir` was the root of runs
(<output_dir>/<domain>/<run_name>), not TRL's run folder, so it becomes `output_root` and `out` is placed under
it. Checkpoints written with the earlier keys are read the same way (silently) when a run resumes.
"""
from __future__ import annotations

RENAMED = {
    "model": "model_name_or_path", "batch_size": "per_device_train_batch_size",
    "grad_accum": "gradient_accumulation_steps", "num_epochs": "num_train_epochs",
    "lr_scheduler": "lr_scheduler_type",
    "warmup_ratio": "warmup_steps",  # transformers 5 reads a warmup_steps below 1 as a ratio
    "run_dir": "out", "output": "out", "train": "train_data",
}
PEFT_NAMES = {"r": "lora_r", "target_modules": "lora_target_modules", "modules_to_save": "lora_modules_to_save"}
OUTPUT_ROOT = "output_root"  # the earlier output_dir; training/config.py places the run folder under it


def upgrade(values: dict, source: str, note) -> dict:
    """`values` with earlier keys renamed (and `note(text)` called once per key, when given)."""
    out = {}
    for key, value in values.items():
        new = RENAMED.get(key) or PEFT_NAMES.get(key)
        if key == "output_dir":
            new = OUTPUT_ROOT
            _say(note, source, "output_dir (the root of runs) is deprecated: use out, the run folder itself")
        elif key in RENAMED:
            _say(note, source, f"{key} is deprecated: use {new}")
        out[new or key] = value
    if out.get("method") in ("lora", "qlora"):
        old = out["method"]
        out["method"] = "sft"
        if old == "qlora":
            out.setdefault("load_in_4bit", True)
        _say(note, source, f"method {old} is deprecated: use method sft"
             + (" with load_in_4bit: true" if old == "qlora" else " (use_peft: true is the default)"))
    return out


def _say(note, source: str, text: str) -> None:
    if note is not None:
        note(f"{source}: {text}")
