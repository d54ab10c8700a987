"""Data audit before any baseline: items, duplicates (eval and train, with lines), train/eval overlap by
class (exact, near, template-near), the gold ceiling with every failing item, schema warnings; schema
errors stop with file:line. `make audit DATA=... TRAIN_DATA=...` runs it.

    .venv/bin/python scripts/audit.py --domain <name> [--eval-data eval.jsonl] [--train-data train.jsonl|none] \
        [--out results/<domain>/embedded/baseline/audit.json] [--allow-contaminated] [--template-threshold 0.1]

Prints the summary table and writes audit.json. Exit 0 when clean (or overridden), 2 on bad data or a
contaminated eval set (the table is printed and the report written all the same).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import models  # noqa: E402
from eval import cli  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Audit an eval set against the training set.")
    p.add_argument("--domain", required=True, help="domain name (see domains/__init__.py)")
    cli.add_data(p, "eval JSONL (default: the domain's)", "training JSONL (default: the domain's; 'none' to skip)")
    p.add_argument("--model", default="embedded", help="only used for the default --out path")
    p.add_argument("--out", default=None, help="audit.json path")
    p.add_argument("--near-threshold", type=float, default=0.8, help="Jaccard of word 5-grams (default %(default)s)")
    p.add_argument("--template-threshold", type=float, default=None, metavar="SHARE",
                   help="count template-near items as contamination when they are more than this share of "
                        "the eval set (default: never; they are reported either way)")
    p.add_argument("--json", action="store_true", help="print the short JSON summary instead of the table")
    p.add_argument("--allow-contaminated", action="store_true",
                   help="go on despite train/eval overlap (recorded in every result)")
    return p


@cli.entry
def main(argv=None):
    from core.files import read_json
    from eval.audit import ContaminatedError, default_train_path, run_audit, summary
    from eval.audit_table import render

    args = make_parser().parse_args(argv)
    domain = cli.get_domain(args.domain)
    data, items = cli.eval_data(domain, args.data)
    out = Path(args.out) if args.out else cli.baseline_dir(domain.name, models.resolve(args.model)) / "audit.json"
    stop = None
    try:
        report = run_audit(domain, data, default_train_path(domain, args.train), out, args.allow_contaminated,
                           args.near_threshold, eval_items=items, template_threshold=args.template_threshold)
    except ContaminatedError as exc:
        report, stop = read_json(out), exc
    if args.json:
        print(json.dumps({"audit": str(out), **summary(report), "warnings": report["warnings"]}, indent=2))
    else:
        print(render(report, out))
    if stop is not None:
        raise stop
    return 0


if __name__ == "__main__":
    sys.exit(main())
