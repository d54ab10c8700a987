"""Build llama.cpp's `llama-quantize` and `llama-bench` from the llama-cpp-python sdist pinned in env/llama_cpp.lock.

    .venv/bin/python scripts/build_llama_quantize.py [--jobs 2]      (make llama-quantize)

Unpacks the sdist's vendor/llama.cpp into .cache/llama.cpp/src-<version>/ (downloading the pinned sdist once)
and compiles the two tools with cmake into .cache/llama.cpp/build-<version>/bin/ (7 min of CPU measured here, docs/deploy-models.md).
`make export ARGS="--gguf f16 q4_k_m"` then writes k-quants. See deploy/quantize.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval import cli  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Build llama-quantize and llama-bench from the pinned llama.cpp sdist.")
    p.add_argument("--jobs", type=int, default=2, help="parallel compile jobs (default %(default)s)")
    return p


@cli.entry
def main(argv=None):
    args = make_parser().parse_args(argv)
    from deploy import quantize

    print(json.dumps(quantize.build(args.jobs), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
