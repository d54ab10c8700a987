"""Export base + adapter where users run it: merged safetensors, GGUF f16 / q8_0, Ollama Modelfile, model card.

    .venv/bin/python scripts/export.py --domain luanti --model embedded \
        --adapter adapters/luanti/luanti-lora/checkpoint-100 [--scale 1.0] [--out exports/luanti/luanti-lora] \
        [--gguf f16 q8_0]

The GGUF converter is llama.cpp's own, from the llama-cpp-python sdist pinned in env/llama_cpp.lock
(downloaded once into .cache/llama.cpp/). See deploy/export.py for the output layout.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.meta import ROOT  # noqa: E402
from eval import cli  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Merge, convert to GGUF, write a Modelfile and a model card.")
    cli.add_model_adapter(p, "domain name (check prompts, system prompt, stop strings)")
    p.add_argument("--out", default=None, help="output folder (default exports/<domain>/<adapter run or 'base'>)")
    p.add_argument("--gguf", nargs="*", default=["f16", "q8_0"],
                   help="GGUF types, none for merged only (default %(default)s)")
    p.add_argument("--check-prompts", type=int, default=3, help="eval prompts for the checks (default %(default)s)")
    return p


@cli.entry
def main(argv=None):
    args, scale, domain = cli.parse_model_adapter(make_parser(), argv)
    from deploy.export import export

    run = Path(args.adapter).resolve().parent.name if args.adapter else "base"
    out = Path(args.out) if args.out else ROOT / "exports" / domain.name / run
    res = export(domain, args.model, args.adapter, scale, out, args.gguf, check_prompts=args.check_prompts)
    print(json.dumps({"out": str(out), "files": res["files"], "seconds": res["seconds"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
