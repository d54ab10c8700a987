"""Gate D: every checkpoint of a training run x every adapter scale, scored like the baseline.

    .venv/bin/python scripts/gate_d.py --domain <name> --run run1 --model embedded \
        [--scales 0.25 0.5 1.0] [--sweep grid|best|last] [--eval-data path/eval.jsonl] [--k 1 5] [--limit N]
        [--allow-contaminated]

--run is a name under adapters/<domain>/ or a folder path. Writes results/<domain>/<run>/gate_d/
<checkpoint>__s<scale>/{generations,scores}.jsonl + results.json, and summary.json, summary.md,
heatmap.png, audit.json. Finished combinations are not redone. Use the same generation flags as gate B.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import models  # noqa: E402
from eval import cli  # noqa: E402
from eval.settings import add_generation_args  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Gate D: checkpoint x scale sweep.")
    cli.add_common(p)
    p.add_argument("--run", default=None, help="training run: name under adapters/<domain>/ or a folder (default: the newest run of the domain)")
    p.add_argument("--scales", type=float, nargs="+", default=[0.25, 0.5, 1.0],
                   help="adapter scales to try on each checkpoint, each in 0..2 (default %(default)s)")
    p.add_argument("--sweep", choices=["grid", "best", "last"], default="grid",
                   help="grid: every checkpoint x every scale; best: every checkpoint at the largest scale, "
                        "then the other scales on the best of those only; last: the last checkpoint only, at "
                        "every scale (default %(default)s)")
    cli.add_eval_run(p, out_help="output folder (default results/<domain>/<run>/gate_d)",
                     train_help="training JSONL for the audit (default: from workbench.json)",
                     allow_help="go on despite train/eval overlap (recorded in every result)")
    p.add_argument("--baseline", default=None,
                   help="gate B results.json shown on the heatmap (default: the model's baseline, if any)")
    add_generation_args(p)
    return p


@cli.entry
def main(argv=None):
    from eval.gate_d import run_gate_d
    from eval.runs import resolve_run

    args = make_parser().parse_args(argv)
    settings, ks, domain, data, items, read = cli.setup(args)
    args.run = resolve_run(domain.name, args.run)
    out = Path(args.out) if args.out else cli.run_results_dir(domain.name, args.run) / "gate_d"
    baseline = args.baseline or cli.baseline_dir(domain.name, models.resolve(args.model)) / "results.json"
    s = run_gate_d(domain, data, items, cli.run_dir(domain.name, args.run), args.model, settings, ks, out,
                   args.scales, args.allow_contaminated, args.train, args.workers, not args.quiet, cli.selection(args),
                   baseline, args.sweep, keep_broken_gold=args.keep_broken_gold, items_read=read,
                   keep_input_passes=args.keep_input_passes)
    print(json.dumps({"summary": str(out / "summary.json"), "heatmap": str(out / "heatmap.png"),
                      "best": s["best"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
