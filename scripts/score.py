"""Scoring step alone: generations.jsonl -> scores.jsonl + results.json (resumable).

    .venv/bin/python scripts/score.py --domain <name> --out results/<domain>/embedded/baseline [--k 1 5]

Reads the generation settings, model, adapter and scale from generations.meta.json in --out, runs the
domain validator on every sample in --workers processes, and writes results.json (pass@k for every
k <= n with bootstrap 95% intervals, per family, level breakdown). Refuses incomplete generations.
When --out holds an audit.json (gate B's), the items whose reference fails its validator are left out
as gate B left them out, unless --keep-broken-gold.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.errors import UserError  # noqa: E402
from core.files import read_json  # noqa: E402
from eval import cli  # noqa: E402
from eval.settings import GenSettings  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Score generations with the domain validator; write results.json.")
    cli.add_common(p, model=False)
    p.add_argument("--out", required=True, help="folder holding generations.jsonl (+ .meta.json)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--keep-broken-gold", action="store_true",
                   help="score items whose reference fails its validator (as gate B's flag of the same name)")
    p.add_argument("--keep-input-passes", action="store_true",
                   help="score edit items whose unchanged input passes their check (as gate B's flag)")
    return p


@cli.entry
def main(argv=None):
    args = make_parser().parse_args(argv)
    out = Path(args.out)
    meta_file = out / "generations.meta.json"
    if not meta_file.is_file():
        raise UserError(f"{meta_file} not found: run the generate step into {out} first")
    ident = read_json(meta_file)["identity"]
    settings = GenSettings(**ident["settings"]).check()
    domain = cli.get_domain(args.domain)
    data, items, read = cli.read_data(domain, args.data, args.limit, args.holdout)
    audit_file = out / "audit.json"
    audit, record = None, {"items_read": read, "left_out": []}
    if audit_file.is_file():
        from eval.audit import summary
        from eval.gold import apply_gold_ceiling

        report = read_json(audit_file)
        audit = summary(report)
        items, record = apply_gold_ceiling(report, items, read, args.keep_broken_gold, domain,
                                           keep_input_passes=args.keep_input_passes)
    from eval.pipeline import evaluate

    res = evaluate(domain, data, items, ident["model"]["spec"], settings, cli.default_ks(args.k, settings.n), out,
                   adapter=ident.get("adapter"), scale=ident.get("scale") or 1.0, audit=audit,
                   workers=args.workers, progress=not args.quiet, allow_generate=False, limit=cli.selection(args),
                   data_record=record)
    print(json.dumps({"results": str(out / "results.json"), "pass_at_k": res["pass_at_k"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
