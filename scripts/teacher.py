"""Teacher-model data generation: new items in a domain's format from any OpenAI-compatible endpoint.

    OPENAI_API_KEY=... .venv/bin/python scripts/teacher.py --domain <name> \
        --base-url https://api.example.com/v1 --model big-teacher --count 50 [--out data/<domain>/teacher.jsonl]

Keeps only items the domain's loader and validator accept and the audit's overlap check finds new; writes
<out> (domain JSONL) and <out stem>.rejected.jsonl (answer + reason). Rerun the same command after a kill
to go on. The key is read from --key-env (default OPENAI_API_KEY) and never printed. See teacher/generate.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.errors import UserError  # noqa: E402
from core.files import shipped  # noqa: E402
from core.meta import DEFAULT_SEED, ROOT  # noqa: E402
from eval import cli  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Generate validated, deduplicated items with a teacher model.")
    p.add_argument("--domain", required=True, help="domain name (format, loader, validator)")
    p.add_argument("--base-url", required=True, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--model", required=True, help="the teacher model's id at that endpoint")
    p.add_argument("--count", type=int, required=True, help="items to keep")
    p.add_argument("--out", default=None, help="output JSONL (default data/<domain>/teacher.jsonl)")
    cli.add_data(p, "also dedup against this (default: the domain's eval file)",
                 "examples + dedup set (default: the domain's train file)")
    cli.renamed(p, "--eval", "--eval-data")
    p.add_argument("--key-env", default="OPENAI_API_KEY", help="environment variable holding the key (default %(default)s)")
    p.add_argument("--max-requests", type=int, default=None, help="stop after this many requests (default 5 x count)")
    p.add_argument("--examples", type=int, default=3, help="training items shown per request (default %(default)s)")
    p.add_argument("--temperature", type=float, default=0.8, help="the teacher's sampling temperature (default %(default)s)")
    p.add_argument("--max-tokens", type=int, default=1024, help="completion tokens per request (default %(default)s)")
    p.add_argument("--retries", type=int, default=5, help="retries on 429/5xx/connection errors (default %(default)s)")
    p.add_argument("--backoff", type=float, default=1.0, help="first retry wait in seconds, doubled each time")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help="seed sent with each request and for picking the examples (default %(default)s)")
    return p


@cli.entry
def main(argv=None):
    args = make_parser().parse_args(argv)
    if args.count < 1:
        raise UserError(f"--count {args.count}: must be >= 1")
    domain = cli.get_domain(args.domain)
    from teacher.client import make_client
    from teacher.generate import run

    train = Path(args.train or shipped(domain.default_train))
    evals = args.data or shipped(domain.default_eval) or None
    out = Path(args.out) if args.out else ROOT / "data" / domain.name / "teacher.jsonl"
    print(f"teacher {args.model} at {args.base_url} -> {out} ({args.count} items)", flush=True)
    stats = run(domain, make_client(args.base_url, args.key_env), args.model, out, args.count, train, evals,
                args.max_requests, args.examples, args.seed, args.temperature, args.max_tokens,
                log=lambda s: print(s, flush=True), retries=args.retries, backoff=args.backoff,
                key_env=args.key_env)
    print(json.dumps({"out": str(out), **stats}, indent=2))
    return 0 if stats["kept"] >= args.count else 1


if __name__ == "__main__":
    sys.exit(main())
