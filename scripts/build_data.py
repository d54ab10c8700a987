"""Build a domain's shipped data set from its real sources (deterministic; same inputs, same bytes).

    .venv/bin/python scripts/build_data.py --domain luanti --out data/luanti

For luanti this needs the Debian packages minetest-server and minetest-data
(`apt-get update && apt-get install -y minetest-server minetest-data`); without them it says so and
exits 2. The committed data/luanti/*.jsonl need nothing to be used.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.errors import UserError  # noqa: E402


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--domain", default="luanti", help="registered domain name (domains/__init__.py)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/<domain>)")
    parser.add_argument("--train-per-family", type=int, metavar="N",
                        help="luanti: N training items per family instead of the shipped 230 (the eval set "
                             "does not change; training items that nearly repeat an eval item are dropped)")
    return parser


def _builder(name: str):
    import domains

    try:
        return domains.get(name).build
    except (ImportError, AttributeError):
        if name != "luanti":
            raise
        # The domain class may not be importable yet while its validator is being written; the
        # builder itself does not need it.
        from domains.luanti.build import build
        return build


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    out = args.out or Path("data") / args.domain
    try:
        if args.train_per_family is not None and args.domain != "luanti":
            raise UserError("--train-per-family: only the luanti builder samples its training set")
        extra = {} if args.train_per_family is None else {"train_per_family": args.train_per_family}
        stats = _builder(args.domain)(out, **extra)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    brief = {k: stats[k] for k in ("splits", "near_duplicates_dropped", "rejected_by_self_check") if k in stats}
    print(json.dumps(brief or stats, indent=1, default=str))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
