"""Interactive terminal chat with base + adapter; each answer is followed by the domain validator's verdict.

    .venv/bin/python scripts/chat.py --domain <name> --model embedded \
        [--adapter adapters/<domain>/<run>/checkpoint-100 --scale 1.0] [--temperature 0]

Commands: /reset, /scale X, /base (same prompt, base model), /multi and /single (keep the conversation or
send each prompt alone; single is the default where the domain's data is single-turn), /help, /quit.
The verdict names the deepest level passed and the facts the prompt states (docs/open-verdict.md).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval import cli  # noqa: E402
from eval.settings import PRECISIONS  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Chat with base + adapter; the validator judges every answer.")
    cli.add_model_adapter(p, "domain name (prompts and validator)")
    p.add_argument("--temperature", type=float, default=0.0, help="sampling temperature, 0 = greedy (default %(default)s)")
    p.add_argument("--max-tokens", type=int, default=400, help="tokens per answer at most (default %(default)s)")
    p.add_argument("--precision", default="fp32", choices=PRECISIONS,
                   help="(default %(default)s: one answer at a time decodes faster in fp32, see serve.py --help)")
    return p


@cli.entry
def main(argv=None):
    args, scale, domain = cli.parse_model_adapter(make_parser(), argv)
    from serve.chat import Chat

    Chat(domain, args.model, args.adapter, scale, args.precision, args.temperature, args.max_tokens).loop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
