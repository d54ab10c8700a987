"""Gate E: best gate-D combination vs the baseline -> PROCEED (exit 0) or ADJUST (exit 3).

    .venv/bin/python scripts/gate_e.py --domain <name> --run run1 --model embedded \
        [--k N] [--threshold 15] [--require-ci] [--baseline results/<domain>/embedded/baseline/results.json | --against SFT_RUN] \
        [--gate-d results/<domain>/run1/gate_d/summary.json] [--out results/<domain>/run1]

Writes <out>/decision.json and decision.md. Exit codes: 0 PROCEED, 3 ADJUST, 2 user error (e.g. results
made on different eval data, validator versions or sampling settings, or in another precision or backend
without --allow-compute-mismatch).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import models  # noqa: E402
from eval import cli  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Gate E: decide PROCEED or ADJUST.")
    p.add_argument("--domain", required=True, help="domain name (see domains/__init__.py)")
    p.add_argument("--run", default=None, help="training run: name under adapters/<domain>/ or a folder (default: the newest run of the domain)")
    p.add_argument("--model", default="embedded", help="for the default --baseline path")
    base = p.add_mutually_exclusive_group()
    base.add_argument("--baseline", default=None,
                      help="baseline results.json (default: the one the run's last decision used, else results/<domain>/<run>/baseline/, else the model's)")
    base.add_argument("--against", default=None, metavar="RUN",
                      help="compare with another run's gate-E pick instead of the base model (e.g. SFT+DPO "
                           "against SFT): the best checkpoint x scale results named by results/<domain>/RUN/"
                           "decision.json (or RUN is a folder holding decision.json)")
    p.add_argument("--gate-d", default=None, help="gate D summary.json")
    p.add_argument("--k", type=int, default=None,
                   help="decide on pass@k (default: k = n, the samples per item; pass@5 with the default n=5)")
    p.add_argument("--threshold", type=float, default=15.0, help="gain needed, percentage points (default %(default)s)")
    p.add_argument("--require-ci", action="store_true", help="PROCEED only if the interval's lower bound clears it")
    p.add_argument("--allow-compute-mismatch", action="store_true",
                   help="compare results generated in different precisions or backends (recorded in the decision)")
    p.add_argument("--out", default=None, help="folder for decision.json/md (default results/<domain>/<run>)")
    return p


def against_results(decision: Path) -> Path:
    """The results.json another run's gate E picked (its best checkpoint x scale)."""
    from core.errors import UserError
    from core.files import read_json

    if not decision.is_file():
        raise UserError(f"{decision} not found: run gate E on that run first (make gate-e RUN=...)")
    return Path(read_json(decision)["best"]["results"])


@cli.entry
def main(argv=None):
    from eval.gate_e import decide, write_decision
    from eval.runs import resolve_baseline, resolve_run

    args = make_parser().parse_args(argv)
    args.run = resolve_run(args.domain, args.run)
    run_out = cli.run_results_dir(args.domain, args.run)
    if args.against:
        folder = Path(args.against) if Path(args.against).is_dir() else cli.run_results_dir(args.domain, args.against)
        baseline = against_results(folder / "decision.json")
    else:
        baseline = Path(args.baseline) if args.baseline else resolve_baseline(
            args.domain, args.run, cli.baseline_dir(args.domain, models.resolve(args.model)) / "results.json")
    summary = Path(args.gate_d) if args.gate_d else run_out / "gate_d" / "summary.json"
    d = decide(baseline, summary, args.k, args.threshold, args.require_ci,
               allow_compute_mismatch=args.allow_compute_mismatch, against=args.against)
    js, md = write_decision(d, Path(args.out) if args.out else run_out)
    print(md.read_text())
    print(f"{d['decision']}: wrote {js} and {md}", file=sys.stderr)
    return d["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
