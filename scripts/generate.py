"""Generation step alone: eval items -> generations.jsonl (resumable; rerun the same command after a kill).

    .venv/bin/python scripts/generate.py --domain <name> --model embedded --n 5 --temperature 0.2 \
        [--adapter adapters/<domain>/run1/checkpoint-100 --scale 0.5] [--eval-data path/eval.jsonl] [--out DIR]

Default --out: results/<domain>/<model-slug>/baseline/ (with --adapter: .../<checkpoint>__s<scale>/).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import models  # noqa: E402
from core.files import sha256_file  # noqa: E402
from eval import cli  # noqa: E402
from eval.settings import add_generation_args, check_scale, settings_from_args  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Generate n samples per eval item (resumable).")
    cli.add_common(p)
    p.add_argument("--adapter", default=None, help="PEFT adapter / checkpoint folder")
    p.add_argument("--scale", type=float, default=1.0, help="adapter scale, 0..2 (default %(default)s)")
    p.add_argument("--out", default=None, help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_generation_args(p)
    return p


def out_dir(args, domain, ref) -> Path:
    if args.out:
        return Path(args.out)
    d = cli.baseline_dir(domain.name, ref)
    return d.with_name(f"{Path(args.adapter).name}__s{args.scale:g}") if args.adapter else d


@cli.entry
def main(argv=None):
    args = make_parser().parse_args(argv)
    from eval.pipeline import resolve_precision

    # `auto` resolved here as the pipeline does, so the header records the precision the samples were made
    # in and the score step (which resolves again) sees the same settings
    settings, _ = resolve_precision(settings_from_args(args))
    scale = check_scale(args.scale)
    domain = cli.get_domain(args.domain)
    data, items = cli.eval_data(domain, args.data, args.limit, args.holdout)
    ref = models.resolve(args.model)
    from eval.backends import get_backend
    from eval.checkpoints import check_adapter
    from eval.generate import run_generation

    if args.adapter:
        check_adapter(args.adapter, ref)
    ident = {"model": ref.describe(), "adapter": str(args.adapter) if args.adapter else None,
             "scale": scale if args.adapter else None, "data_sha256": sha256_file(data),
             "domain": domain.describe()}
    gen = out_dir(args, domain, ref) / "generations.jsonl"
    stats = run_generation(domain, items, settings, ident, gen,
                           lambda: get_backend(settings, args.model, args.adapter, scale, domain.stop_strings),
                           progress=not args.quiet)
    print(json.dumps({"generations": str(gen), **stats}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
