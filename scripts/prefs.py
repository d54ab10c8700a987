"""Validator-made preference pairs from an SFT run, for any domain (resumable; rerun after a kill).

    .venv/bin/python scripts/prefs.py --domain <name> --run demo [--checkpoint checkpoint-60] \
        [--train-data data/<domain>/train.jsonl] [--limit 200] [--n 4 --temperature 0.8] [--per-item 2] [--out DIR]

Samples n completions per training prompt from the SFT adapter (the run's last complete checkpoint unless
--checkpoint), scores each with the domain's validator and pairs a passing one (or the reference) with a
failing one, the failures that got furthest first (eval/prefs.py). Default --train-data: the items the SFT
run trained on (its workbench.json); default --out: results/<domain>/<run>/prefs/. Writes
generations.jsonl, scores.jsonl, pairs.jsonl (the DPO stage's --prefs-data) and prefs.json (counts, the
overlap check against the eval set, what the pairs were made with).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import models  # noqa: E402
from core.errors import UserError  # noqa: E402
from core.files import shipped  # noqa: E402
from eval import cli  # noqa: E402
from eval.settings import add_generation_args, settings_from_args  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Validator-made DPO pairs from an SFT run.")
    p.add_argument("--domain", required=True, help="domain name (see domains/__init__.py)")
    p.add_argument("--run", default=None, help="SFT " + "training run: name under adapters/<domain>/ or a folder (default: the newest run of the domain)")
    p.add_argument("--checkpoint", default=None, help="checkpoint folder name or path (default: the last)")
    p.add_argument("--model", default="embedded", help="base model of the run (default %(default)s)")
    cli.add_data(p, None, "items to sample on (default: the run's training file)")
    p.add_argument("--limit", type=int, default=None, help="only N items, taken in turn from each family")
    p.add_argument("--eval-data", default=None, help="eval set for the overlap check (default: the domain's)")
    p.add_argument("--allow-contaminated", action="store_true", help="go on despite overlap (recorded)")
    p.add_argument("--per-item", type=int, default=2, help="at most this many pairs per item (default %(default)s)")
    p.add_argument("--workers", type=int, default=2, help="validator processes (default %(default)s)")
    p.add_argument("--out", default=None, help="output folder (default results/<domain>/<run>/prefs)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_generation_args(p)
    p.set_defaults(n=4, temperature=0.8)  # diverse samples: some pass, some fail
    return p


def checkpoint_of(run: Path, name) -> Path:
    from training.dpo import sft_checkpoint

    return sft_checkpoint(run / name if name and not Path(name).is_dir() else (name or run))


@cli.entry
def main(argv=None):
    from core.files import read_json, sha256_file
    from eval.backends import get_backend
    from eval.prefs import build_prefs
    from eval.runs import resolve_run

    args = make_parser().parse_args(argv)
    if args.per_item < 1:
        raise UserError(f"--per-item {args.per_item}: must be >= 1")
    settings = settings_from_args(args)
    domain = cli.get_domain(args.domain)
    args.run = resolve_run(domain.name, args.run)
    ckpt = checkpoint_of(cli.run_dir(domain.name, args.run), args.checkpoint)
    trained_on = (read_json(ckpt / "workbench.json").get("train_data") or {}).get("path")
    train = Path(args.train or trained_on or shipped(domain.default_train) or "")
    if not train.is_file():
        raise UserError(f"training items {train} not found; pass --train-data")
    items = domain.load(train)
    items = cli.stratified(items, args.limit) if args.limit else items
    evals = domain.load(args.eval_data or shipped(domain.default_eval)) if (args.eval_data or domain.default_eval) else []
    ref = models.resolve(args.model)
    identity = {"model": ref.describe(), "adapter": str(ckpt), "scale": 1.0, "data_sha256": sha256_file(train),
                "domain": domain.describe()}
    out = Path(args.out) if args.out else cli.run_results_dir(domain.name, args.run) / "prefs"
    record = build_prefs(domain, items, settings, identity, out,
                         lambda: get_backend(settings, args.model, str(ckpt), 1.0, domain.stop_strings),
                         per_item=args.per_item, eval_items=evals, allow_contaminated=args.allow_contaminated,
                         workers=args.workers, progress=not args.quiet)
    print(json.dumps({k: record[k] for k in ("pairs_file", "pairs", "items", "samples", "passing_samples",
                                             "items_by_outcome", "chosen_from", "rejected_status")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
