"""Training throughput: gate C's batching against the seed's, same data, same model, same run.

    .venv/bin/python bench/bench_train.py --model embedded --domain <name> --steps 6

`run(model="embedded", quick=False, ...) -> dict` is what the bench command (bench/run.py) calls. Each
method trains the same LoRA (the domain's CPU demo config, Domain.demo_config) on the same
items, with the same micro-batch size, through the real `training.sft` code path:

* seed: every sequence padded to max_length, no packing, float32 (the seed project's way);
* ours: packed, padding-free bins of max_length tokens (TRL `bfd` packing), in the precision `auto`
  chooses on this machine (bf16 autocast only where bf16 measured faster: core/precision.py), as the
  demo config runs. `--methods ours_fp32 ours_bf16` force one precision (bf16 on a CPU without native
  bf16 is ~9x slower: run it there only on purpose).

Measured: label tokens/s (tokens whose loss is computed: the figure that matters, since padding and
prompt tokens teach nothing) and all tokens/s, from the trainer's own token counters, timed from the end of
the first (warm-up) step to the end of the last; checkpoint saving is outside the window. The loss after
the last step is reported to show training works in each mode. FLOP/s uses the 6 x params x tokens estimate.
What it does not measure: data preparation, model load, multi-process scaling.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.errors import UserError  # noqa: E402
from domains import DEFAULT_DOMAIN  # noqa: E402
METHODS = {  # name -> config overrides
    "seed": {"batching": "max_length", "bf16": "false"},
    "ours": {"batching": "packed", "bf16": "auto"},
    "ours_fp32": {"batching": "packed", "bf16": "false"},
    "ours_bf16": {"batching": "packed", "bf16": "true"},
}
DEFAULT_METHODS = ("seed", "ours")


def _timer():
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        """(time, label tokens, real tokens, padded positions) at the end of every step."""

        def __init__(self):
            self.marks, self.trainer = [], None

        def on_step_end(self, args, state, control, **kw):
            t = self.trainer
            self.marks.append((time.perf_counter(), t._wb_label_tokens, t._wb_tokens, t._wb_padded))
            return control

    return StepTimer()


def executed_flops_per_position(trainer) -> float:
    """FLOPs one training micro-batch actually executes (forward + backward, counted by torch's
    FlopCounterMode on its matmuls and attention), per position of the batch. Not the 6N estimate: a
    frozen base, LoRA on some layers, a loss head on labelled positions only do much less than 6N,
    and the fraction of the ceiling must count what ran. Run after the timed steps (counting is slow)."""
    from torch.utils.flop_counter import FlopCounterMode

    batch = trainer._prepare_inputs(next(iter(trainer.get_train_dataloader())))
    positions = int(batch["input_ids"].numel())
    with FlopCounterMode(display=False) as counter:
        trainer.training_step(trainer.model, batch)
    trainer.model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / positions


def measure(overrides: dict, steps: int, out_dir: Path) -> dict:
    """Train `steps` optimiser steps with the demo config + overrides; rates over steps 2..steps."""
    import domains
    from training import config, runs, sft

    # the domain's demo recipe; a domain without a demo trains on the default domain's recipe
    recipe = domains.get(overrides["domain"]).demo_config or domains.get(DEFAULT_DOMAIN).demo_config
    cfg = config.resolve(ROOT / recipe, {"max_steps": steps, "save_steps": 10_000, "logging_steps": 1,
                                "report_to": "none", "out": str(out_dir / overrides.get("run_name", "run")),
                                "warmup_steps": 0.0,
                                **overrides})
    sft.settle(cfg)
    trainer, description = sft.prepare(cfg, runs.run_dir(cfg))
    timer = _timer()
    timer.trainer = trainer
    trainer.add_callback(timer)
    trainer.train()
    (t0, l0, a0, p0), (t1, l1, a1, p1) = timer.marks[0], timer.marks[-1]
    flops_per_position = executed_flops_per_position(trainer)
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    dt = t1 - t0
    return {"label_tokens_per_s": (l1 - l0) / dt, "tokens_per_s": (a1 - a0) / dt, "seconds": dt,
            "steps_timed": len(timer.marks) - 1, "label_tokens": l1 - l0, "tokens": a1 - a0,
            "padded_positions": p1 - p0, "flops_per_position": flops_per_position,
            "first_loss": losses[0], "last_loss": losses[-1], "config": {k: getattr(cfg, k) for k in
            ("batching", "bf16", "per_device_train_batch_size", "gradient_accumulation_steps",
                                                    "max_length", "lora_r", "lora_target_modules")},
            "params": description["total_params"], "label_token_share": description["label_token_share"],
            "precision": description["precision"]["precision"]}


def run(model: str = "embedded", quick: bool = False, domain: str = DEFAULT_DOMAIN, steps: int | None = None,
        items: int | None = None, methods=DEFAULT_METHODS, train_data: str = "", overrides=None) -> dict:
    """Run each method on the same data; ratio = ours / seed in label tokens per second.
    `overrides` (config keys) apply to every method, e.g. a smaller max_length for tests."""
    steps = steps or (3 if quick else 6)
    items = items or (32 if quick else 64)
    if steps < 2:
        raise UserError("steps must be at least 2 (the first step is warm-up and not timed)")
    result = {"model": model, "domain": domain, "steps": steps, "items": items, "methods": {}}
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        for name in methods:
            r = measure({**METHODS[name], "model_name_or_path": model, "domain": domain, "max_items": items,
                         "train_data": train_data, "run_name": name,
                         **(overrides or {})}, steps, Path(tmp))
            r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            result["methods"][name] = r
            print(f"train {name:9s}: {r['label_tokens_per_s']:7.1f} label tok/s, {r['tokens_per_s']:7.1f} "
                  f"tok/s, loss {r['first_loss']:.3f} -> {r['last_loss']:.3f}", flush=True)
    m = result["methods"]
    if "seed" in m and "ours" in m:
        ours, seed = m["ours"], m["seed"]
        result.update(ours_tokens_per_s=ours["label_tokens_per_s"], seed_tokens_per_s=seed["label_tokens_per_s"],
                      ratio=ours["label_tokens_per_s"] / seed["label_tokens_per_s"],
                      ours_flops=ours["flops_per_position"] * ours["padded_positions"] / ours["seconds"],
                      peak_rss_mb=ours["peak_rss_mb"])
        result["precision"] = ours["precision"]
    return result


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="embedded")
    p.add_argument("--domain", default=DEFAULT_DOMAIN)
    p.add_argument("--steps", type=int, default=None, help="optimiser steps per method (first is warm-up)")
    p.add_argument("--items", type=int, default=None, help="training items used")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--methods", nargs="*", default=list(DEFAULT_METHODS), choices=list(METHODS))
    p.add_argument("--out", default=None, help="also write the result JSON here (atomically)")
    return p


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    try:
        result = run(args.model, args.quick, args.domain, args.steps, args.items, tuple(args.methods))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if "ratio" in result:
        print(f"ours ({result['precision']}) / seed (fp32), label tokens/s: {result['ratio']:.2f}x")
    if args.out:
        from core.files import atomic_write_json

        atomic_write_json(args.out, result)
    else:
        print(json.dumps({k: v for k, v in result.items() if k != "methods"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
