"""The optional vision-model rating of a scored run's pictures (eval/judge.py), as its own number.

    .venv/bin/python scripts/judge.py --results results/<domain>/demo/gate_d/checkpoint-12__s1/results.json \
        --base-url http://127.0.0.1:8000/v1 --judge-model some-vision-model      (make judge ARGS=...)

Any OpenAI-compatible endpoint that takes images (`image_url` parts); the key is read from --key-env and
never written. Writes judge.jsonl beside the results (a rerun asks only what is missing) and the summary
into results.json under `judge`; pass@k and gate E never read it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.errors import UserError  # noqa: E402
from eval import cli  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--results", required=True, help="a results.json of gate B or D whose domain keeps pictures")
    p.add_argument("--base-url", dest="judge_url", default=None,
                   help="required: the judge's OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    cli.renamed(p, "--judge-url", "--base-url")
    p.add_argument("--judge-model", required=True, help="the vision model's id at that endpoint")
    p.add_argument("--key-env", default="OPENAI_API_KEY", help="environment variable holding the key (default %(default)s)")
    p.add_argument("--max-tokens", type=int, default=16, help="completion tokens of the rating (default %(default)s)")
    p.add_argument("--retries", type=int, default=5, help="retries on 429/5xx/connection errors (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


@cli.entry
def main(argv=None):
    args = make_parser().parse_args(argv)
    if not args.judge_url:  # not required=True in argparse: the earlier --judge-url must satisfy it too
        raise UserError("--base-url is required (the judge's endpoint)")
    from eval.judge import run_judge
    from teacher.client import chat, make_client

    client = make_client(args.judge_url, args.key_env)

    def ask(messages):
        return chat(client, args.judge_model, messages, retries=args.retries, key_env=args.key_env,
                    temperature=0.0, max_tokens=args.max_tokens, log=lambda s: print(s, file=sys.stderr))

    summary = run_judge(args.results, ask, args.judge_model, args.judge_url, progress=not args.quiet)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
