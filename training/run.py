"""Gate C's one driver: every training method runs through `train(cfg)`, chosen from one table
(training/config.py METHODS: sft -> SFTConfig, dpo -> DPOConfig, grpo -> GRPOConfig).

A method is a module `training/<name>.py` with
    settle(cfg)               the whole config before anything loads (DPO: the adapter shape of its SFT run)
    prepare(cfg, out)         -> (trainer, description): data, model, TRL trainer, the checkpoint description
    start_line(description)   the one line printed before the first step
    finish(record, out)       optional: figures added to run.json at the end (DPO: the reward margins)

The order is fixed here, once: settle, find the checkpoint to resume (its config must match), stop if that
run is already finished, then load and train. Nothing in a method module imports another method module.
"""
from __future__ import annotations

import importlib
import time
from pathlib import Path

from core import meta
from core.files import read_json
from training import config, runs
from training.callbacks import open_metrics_log
from training.trainer import check_reporters



def method_module(name: str):
    """The method's module, from the one table of methods (training/config.py: METHODS, name -> TRL config)."""
    if name not in config.METHODS:
        raise KeyError(name)
    return importlib.import_module(f"training.{name}")


def train(cfg, on_ready=None) -> dict:
    """Run (or resume) training for a resolved RunConfig; return the final run.json record.
    `on_ready(trainer)` is called just before the first step (tests use it to snapshot the weights)."""
    method = method_module(cfg.method)
    method.settle(cfg)
    check_reporters(cfg)
    out = runs.run_dir(cfg)
    resume = runs.find_resume(cfg, out)
    previous = read_json(out / "run.json") if (resume and (out / "run.json").is_file()) else {}
    wall0 = float(previous.get("wall_time_s", 0.0))
    done_at = runs.finished_step(cfg, resume)
    if done_at is not None:  # rerun of a finished run (make demo again): nothing to do, nothing rewritten
        print(f"[train] {out} is already trained to step {done_at}: nothing to do (a higher --max-steps "
              "continues it)", flush=True)
        record = {**previous, "status": "finished", "step": done_at,
                  "checkpoints": [p.name for p in runs.checkpoints(out)]}
        if record != previous:  # killed between the last checkpoint and run.json
            runs.write_run(out, {"config": cfg.to_dict(), "wall_time_s": wall0, **meta.run_info(), **record})
        return read_json(out / "run.json")
    trainer, description = method.prepare(cfg, out)
    if on_ready is not None:
        on_ready(trainer)
    if runs.is_main_process():
        print(method.start_line(description) + (f"; resuming from {resume}" if resume else ""), flush=True)
    record = {"status": "running", "config": cfg.to_dict(), "method": cfg.method, "step": 0, "wall_time_s": wall0,
              "started": previous.get("started", meta.now()), "resumed_from": resume,
              "precision": description["precision"], "trainable_params": description["trainable_params"],
              **{k: description[k] for k in ("label_token_share", "dpo", "grpo") if k in description},
              **meta.run_info()}
    runs.write_run(out, record)
    return _run(trainer, method, record, out, resume, wall0)


def _run(trainer, method, record: dict, out: Path, resume, wall0: float) -> dict:
    t0 = time.perf_counter()
    if runs.is_main_process():
        trainer.metrics_log = open_metrics_log(out, runs.log_start(out, resume))
    try:
        trainer.train(resume_from_checkpoint=resume)
    except BaseException as exc:
        runs.write_run(out, {**record, "status": "failed", "error": f"{type(exc).__name__}: {exc}",
                             "step": trainer.state.global_step, "wall_time_s": wall0 + time.perf_counter() - t0})
        raise
    finally:
        if trainer.metrics_log is not None:
            trainer.metrics_log.close()
    record.update(status="finished", step=trainer.state.global_step,
                  wall_time_s=round(wall0 + time.perf_counter() - t0, 2),
                  checkpoints=[p.name for p in runs.checkpoints(out)])
    if hasattr(method, "finish"):
        method.finish(record, out)
    runs.write_run(out, record)
    return record
