"""Turn a domain's foreign data format (e.g. a seed's ShareGPT JSONL or calibration pairs file)
into the project's train/eval JSONL, with the domain's own split rules.

    .venv/bin/python scripts/prepare_data.py --domain <name> --input calibration_data.json --out data/seed

Bad input stops with file:line (exit 2). Then `make check-refs DOMAIN=... DATA=<out>/eval.jsonl` reports
the gold ceiling of the file.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import domains  # noqa: E402
from core.errors import UserError  # noqa: E402


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--domain", required=True, help=f"domain name ({', '.join(domains.names())})")
    p.add_argument("--input", required=True, type=Path, help="the foreign data file")
    p.add_argument("--out", required=True, type=Path, help="folder for train.jsonl and eval.jsonl")
    return p


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    try:
        domain = domains.get(args.domain)
        stats = domain.prepare(args.input, args.out)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(stats, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
