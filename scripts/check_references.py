"""Score the gold answers of a data file with the domain's validator (the "gold ceiling" audit).

    .venv/bin/python scripts/check_references.py --domain <name or spec.yaml> [--data eval.jsonl] [domain options]

Without --data it checks the domain's shipped train and eval sets, each in turn. Prints the ceiling N/M
(per family, and how many answers reached each validator level), then EVERY failing item with its line, status, level and
reason. A domain may add options (--help lists them). Data-quality defects (duplicates, references that
do not run) load and are reported; only schema errors stop, with file:line. Items of an edit family
(the domain's `edit_families`) whose input, left unchanged, passes their own check are counted and
listed ("INPUT PASSES line N"): they cannot tell a fix from no fix. Exit 0 when every reference passes
and no input does, 1 otherwise, 2 on bad
input or a missing toolchain.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import domains  # noqa: E402
from core.errors import UserError  # noqa: E402
from core.files import shipped  # noqa: E402
from domains.base import ToolMissing  # noqa: E402
from domains.check import check_references, input_passes, summary  # noqa: E402
from domains.loading import duplicate_note  # noqa: E402
from domains.options import add_options, chosen  # noqa: E402


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="JSONL data file to check (default: the domain's train and eval sets)")
    p.add_argument("--domain", default=domains.DEFAULT_DOMAIN,
                   help=f"domain name ({', '.join(domains.names())}) or path of a domain spec (.yaml)")
    add_options(p, "check_references")
    return p


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    try:
        domain = domains.get(args.domain)
        paths = [args.data] if args.data else [shipped(domain.default_train), shipped(domain.default_eval)]
        options = chosen(args, domain, "check_references")
        codes = [check_file(domain, path, options) for path in paths]
    except ToolMissing as exc:
        print(f"error: missing toolchain: {exc}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return max(codes)


def check_file(domain, path, options: dict) -> int:
    items = domain.load(path)
    t0 = time.monotonic()
    results = check_references(domain, items, **options)
    s = summary(items, results)
    pct = 100.0 * s["passed"] / max(s["total"], 1)
    print(f"gold ceiling {s['passed']}/{s['total']} ({pct:.1f}%) for {path} "
          f"[{domain.name} {domain.version}{''.join(f', {k}={v}' for k, v in options.items())}] "
          f"in {time.monotonic() - t0:.1f} s")
    for fam, (passed, total) in sorted(s["by_family"].items()):
        print(f"  {fam}: {passed}/{total}")
    print("  levels reached: " + ", ".join(f"{name} {n}" for name, n in s["levels"].items()))
    by_id = {it["id"]: it for it in items}
    for item_id, res in results:
        if not res.passed:
            it = by_id[item_id]
            print(f"FAIL line {it.get('line') or '-'} {item_id} [{it.get('family', '')}] {res.status} at level "
                  f"{res.level or '-'}: {res.detail}")
    dups = [it for it in items if "duplicate_of" in it]
    if dups:
        print(f"note: {len(dups)} item(s) repeat an earlier one, loaded under their own id: "
              + ", ".join(duplicate_note(it) for it in dups))
    passes = input_passes(domain, items)
    edits = sum(it.get("family") in domain.edit_families for it in items)
    if edits:
        print(f"input passes {len(passes)}/{edits} edit items (their input, unchanged, passes their own check)")
    for f in passes:
        print(f"INPUT PASSES line {f['line'] or '-'} {f['id']} [{f['family']}]: {f['detail']}")
    return 0 if s["passed"] == s["total"] and not passes else 1


if __name__ == "__main__":
    sys.exit(main())
