"""Gate B: audit -> generate -> score for the base model (no adapter). Resumable at every step.

    .venv/bin/python scripts/baseline.py --domain <name> --model embedded [--eval-data path/eval.jsonl] \
        [--n 5 --temperature 0.2 --top-p 0.9 --max-new-tokens 300 --seed 1234 --batch-size 8] \
        [--k 1 5] [--limit N] [--allow-contaminated] [--keep-broken-gold] [--keep-input-passes] [--out results/<domain>/embedded/baseline]

Writes audit.json, generations.jsonl (+ .meta.json), scores.jsonl, results.json in --out. Items whose
reference fails its own validator are listed before generation and left out unless --keep-broken-gold;
edit items whose unchanged input passes their own check likewise, unless --keep-input-passes.
Exit 0 on success, 2 on bad input / contaminated eval set / missing validator toolchain.
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
    p = argparse.ArgumentParser(description="Gate B: baseline evaluation of the base model.")
    cli.add_common(p)
    cli.add_eval_run(p, out_help="output folder (default results/<domain>/<model>/baseline)",
                     train_help="training JSONL for the audit (default: the domain's; 'none')",
                     allow_help="go on despite train/eval overlap (recorded in every result)")
    add_generation_args(p)
    return p


@cli.entry
def main(argv=None):
    from eval.audit import default_train_path, run_audit, summary
    from eval.gold import apply_gold_ceiling
    from eval.pipeline import evaluate

    args = make_parser().parse_args(argv)
    settings, ks, domain, data, items, read = cli.setup(args)
    ref = models.resolve(args.model)
    out = Path(args.out) if args.out else cli.baseline_dir(domain.name, ref)
    print(f"[1/3] audit {data}", file=sys.stderr)
    report = run_audit(domain, data, default_train_path(domain, args.train), out / "audit.json",
                       args.allow_contaminated, eval_items=items)
    items, record = apply_gold_ceiling(report, items, read, args.keep_broken_gold, domain,
                                       keep_input_passes=args.keep_input_passes)
    print(f"[2/3] generate, [3/3] score: {len(items)} of {read} items", file=sys.stderr)
    res = evaluate(domain, data, items, args.model, settings, ks, out, audit=summary(report),
                   workers=args.workers, progress=not args.quiet, limit=cli.selection(args), data_record=record)
    print(cli.family_table(res), file=sys.stderr)
    print(json.dumps({"results": str(out / "results.json"), "items": res["data"]["items"],
                      "left_out": len(res["data"]["left_out"]), "pass_at_k": res["pass_at_k"],
                      "tokens_per_s": res["throughput"]["tokens_per_s"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
