"""Build a domain's shipped data set from its real sources (deterministic; same inputs, same bytes).

    .venv/bin/python scripts/build_data.py --domain <name or spec.yaml> [--out data/<name>] [domain options]

A domain's builder may need system packages (its module docstring names them); without them it says so
and exits 2. The committed data needs nothing to be used. A domain may add options (--help lists them).
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
    import domains
    from domains.options import add_options

    parser.add_argument("--domain", default=domains.DEFAULT_DOMAIN,
                        help="registered domain name (domains/__init__.py) or path of a domain spec (.yaml)")
    parser.add_argument("--out", type=Path, help="output folder (default: the folder of the domain's train file)")
    add_options(parser, "build_data")
    return parser


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    import domains
    from core.files import shipped
    from domains.options import chosen

    try:
        domain = domains.get(args.domain)
        out = args.out or Path(shipped(domain.default_train)).parent
        stats = domain.build(out, **chosen(args, domain, "build_data"))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    brief = {k: stats[k] for k in ("splits", "near_duplicates_dropped", "rejected_by_self_check") if k in stats}
    print(json.dumps(brief or stats, indent=1, default=str))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
