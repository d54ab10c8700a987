"""A run folder and its checkpoints: which are complete, where a killed run resumes, whether it is done.

    <out>/run.json                   config, status running|finished|failed, step, wall time (atomic)
    <out>/log.jsonl                  one line per logged step
    <out>/tensorboard/               TensorBoard events
    <out>/checkpoint-<step>/         adapter (or full model), workbench.json written last = complete,
                                     optimizer/scheduler/rng/trainer_state.json for resuming

Shared by every method (training/run.py drives them); nothing here loads a model.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from core import meta
from core.errors import UserError
from core.files import atomic_write_json, iter_jsonl, read_json
from training import config as config_mod
from training.callbacks import META_FILE


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def run_dir(cfg) -> Path:
    return Path(cfg.out)


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
        raise UserError(f"{out} already holds checkpoints and resume is off; choose another --out or delete "
                        "that folder")
    last = done[-1]
    changed = config_mod.diff(read_json(last / META_FILE).get("config", {}), cfg.to_dict(), cfg.method)
    if changed:
        raise UserError(f"{last} was trained with different settings ({', '.join(changed)}); resume with the "
                        "same config or choose another --out")
    if is_main_process():
        # A checkpoint newer than the last complete one was cut by a kill; the Trainer rewrites it.
        for p in checkpoints(out, complete_only=False):
            if int(p.name.split("-")[1]) > int(last.name.split("-")[1]):
                shutil.rmtree(p, ignore_errors=True)
    return str(last)


def finished_step(cfg, resume: str | None) -> int | None:
    """The step of `resume` when it already is the run's last (its step reaches the config's max_steps, or,
    trained by epochs, the steps the Trainer planned for the same num_train_epochs); None when there is more
    to train. The Trainer itself would resume such a run and train one step past it."""
    if not resume or not (Path(resume) / "trainer_state.json").is_file():
        return None
    state = read_json(Path(resume) / "trainer_state.json")
    step = int(state.get("global_step") or 0)
    if cfg.max_steps > 0:
        return step if step >= cfg.max_steps else None
    old = config_mod.legacy.upgrade(read_json(Path(resume) / META_FILE).get("config", {}), "", None)
    same_epochs = (old.get("max_steps", 0) <= 0
                   and float(old.get("num_train_epochs", 1.0)) == float(cfg.num_train_epochs))
    return step if same_epochs and step >= int(state.get("max_steps") or 0) > 0 else None


def write_run(out: Path, record: dict) -> None:
    if is_main_process():
        atomic_write_json(out / "run.json", {**record, "updated": meta.now()})


def log_start(out: Path, resume: str | None) -> int:
    """The step the run (re)starts from (its log keeps lines up to there)."""
    return int(Path(resume).name.split("-")[1]) if resume else 0


def log_trend(log_path, pick: tuple) -> dict:
    """The logged values `pick` at the first and the last logged step that has pick[1] (log.jsonl)."""
    lines = [r for _, r in iter_jsonl(log_path) if pick[1] in r] if Path(log_path).is_file() else []
    if not lines:
        return {}
    return {"first": {k: lines[0].get(k) for k in pick}, "last": {k: lines[-1].get(k) for k in pick}}
