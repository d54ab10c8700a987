"""Measure a domain's parser of free requests on its shipped eval set: recall and precision of the facts
it reads against each item's own expectation facts that the request states (eval/open_facts.py).

    .venv/bin/python scripts/open_facts.py --domain <name> [--eval-data data/<name>/eval.jsonl] [--json out.json] [--show-misses]

Prints overall, per register (phrasing style or family) and per fact kind. Exit 0; 2 on bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import domains  # noqa: E402
from eval import cli  # noqa: E402
from eval.open_facts import measure  # noqa: E402


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--domain", required=True, help=f"domain name ({', '.join(domains.names())})")
    cli.add_data(p, "JSONL eval file (default: the domain's shipped eval set)")
    p.add_argument("--json", help="also write the figures to this JSON file")
    p.add_argument("--show-misses", action="store_true", help="list up to 10 items where read != expected")
    return p


def _pct(x) -> str:
    return "  n/a " if x is None else f"{100 * x:5.1f}%"


def _row(name: str, r: dict) -> str:
    return f"  {name:<14} recall {_pct(r['recall'])}  precision {_pct(r['precision'])}  " \
           f"(read {r['read']}, expected {r['expected']}, both {r['both']})"


@cli.entry
def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    domain = cli.get_domain(args.domain)
    path, items = cli.eval_data(domain, args.data)
    out = measure(domain, items)
    print(f"{domain.name} ({domain.version}) request parser on {path}: {out['items']} items, "
          f"{out['no_fact_read']} with no fact read")
    print(_row("overall", out["overall"]))
    for title, key in (("per register", "by_register"), ("per fact kind", "by_kind")):
        print(title + ":")
        for name, r in out[key].items():
            print(_row(name, r))
    if args.show_misses:
        for w in out["worst"]:
            print(f"  {w['id']}: missed {w['missed']} extra {w['extra']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
