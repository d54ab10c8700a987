"""Export base + adapter where users run it: merged safetensors, GGUF f16 / q8_0, Ollama Modelfile, model card.

    .venv/bin/python scripts/export.py --domain <name> --model embedded \
        --adapter adapters/<domain>/<run>/checkpoint-100 [--scale 1.0] [--out exports/<domain>/<run>] \
        [--gguf f16 q8_0] [--check-gguf] [--check-only]

--check-gguf also loads each GGUF in llama.cpp (the bindings of `make llama-cpp`; an error without them)
and compares its greedy tokens with the merged model's; --check-only does only the GGUF checks, on the
folder an earlier export wrote. Exit 2 when a check fails (f16 must match token for token; the first
divergence of q8_0 and the k-quants q4_k_m/q5_k_m/q6_k is reported).

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
                   help="GGUF types: f16 q8_0 bf16 f32 (the converter), q4_k_m q5_k_m q6_k (llama-quantize, "
                        "`make llama-quantize` first); none for merged only (default %(default)s)")
    p.add_argument("--check-prompts", type=int, default=3, help="eval prompts for the checks (default %(default)s)")
    p.add_argument("--check-gguf", action="store_true",
                   help="require the llama.cpp check of each GGUF (needs `make llama-cpp`); without it the "
                        "check runs only when the bindings are installed")
    p.add_argument("--check-only", action="store_true",
                   help="no merge or conversion: check the GGUF files of the existing --out folder again")
    return p


@cli.entry
def main(argv=None):
    args, scale, domain = cli.parse_model_adapter(make_parser(), argv)
    from deploy.export import export, failed_checks, recheck

    run = Path(args.adapter).resolve().parent.name if args.adapter else "base"
    out = Path(args.out) if args.out else ROOT / "exports" / domain.name / run
    llama = True if args.check_gguf else None
    if args.check_only:
        res = recheck(domain, out, args.check_prompts, llama=llama)
    else:
        res = export(domain, args.model, args.adapter, scale, out, args.gguf, check_prompts=args.check_prompts,
                     llama=llama)
    print(json.dumps({"out": str(out), "files": res["files"], "seconds": res.get("seconds")}, indent=2))
    failed = failed_checks(res)
    if failed:
        print(f"GGUF check failed: {', '.join(failed)} (see {out / 'export.json'})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
