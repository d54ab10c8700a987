"""One benchmark command: our methods against the seeds' methods, side by side in one run.

    python bench/run.py [--quick] [--out results/bench/bench.json]      (make bench)

Measures on the embedded model, on this machine, in this order:
1. the precision: core/precision.py's fp32 and bf16 matmul probe (both figures) and what `auto` picks;
   the ceiling: a 2048 x 2048 matmul in the precision picked, in FLOP/s (the other precision's large
   matmul is skipped: on a CPU without native bf16 it takes minutes and says nothing new);
2. gate B generation: our continuous-batching, stop-aware sampler vs the same without refilling vs the
   seed's one `generate` call per sample (tokens/s each, ratios, model FLOP/s as a fraction of the
   ceiling of the precision used, peak memory);
3. gate B against llama.cpp (bench/bench_llama.py: the same prompts, n, temperature, top_p and token
   limit through llama-cpp-python, on the first 8 prompts, on the embedded Q4_1 GGUF and its f16; a line
   says NOT MEASURED when `make llama-cpp` has not been run);
4. gate C training: packed / padding-free completion-only batches in the precision picked vs padding
   every sequence to the maximum length in fp32 (label tokens/s each, ratio, FLOP/s fraction of the
   ceiling of the precision used, peak memory).
Prints a table and writes JSON (atomically). Figures are only ever quoted from this output.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def matmul_ceiling(precisions=("fp32", "bf16"), n: int = 2048, seconds: float = 1.0) -> dict:
    """Sustained FLOP/s of an n x n matmul: what this CPU can do at best, per precision asked (the same
    timing as the precision probe, core.precision.matmul_gflops, on a larger matrix for longer)."""
    import torch

    from core.precision import matmul_gflops

    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    out = {str(dtypes[p]).replace("torch.", ""): 1e9 * matmul_gflops(dtypes[p], n, seconds) for p in precisions}
    return {"n": n, "flops": out, "threads": torch.get_num_threads()}


def model_flops_per_token(n_params: int) -> dict:
    # The usual estimate: 2 FLOPs per parameter per token forward, 6 for forward + backward.
    return {"forward": 2 * n_params, "train": 6 * n_params}


def count_params(model: str) -> int:
    from core import models

    _, _, m = models.load(model)
    return sum(p.numel() for p in m.parameters())


def fmt(x, unit=""):
    return f"{x:,.1f}{unit}" if isinstance(x, (int, float)) else str(x)


def table(rows: list[tuple]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows)


def llama_step(args, g) -> dict:
    """Gate B's figures just measured against llama.cpp on the same prompts and settings (bench_llama)."""
    from bench import bench_llama
    from core.errors import UserError

    s = g["settings"]
    try:
        res = bench_llama.run(model=args.model, items=g["items"], n=s["n"], max_new_tokens=s["max_new_tokens"],
                              temperature=s["temperature"], top_p=s["top_p"], precision=s["precision"],
                              domain=args.domain, ours=g["ours"], llama_items=4 if args.quick else 8)
    except UserError as exc:  # not installed: said in the table, never a silent gap
        return {"skipped": str(exc)}
    for which, r in res["llama_cpp"].items():
        print(f"llama.cpp {which}: {r['tokens_per_s']:.1f} tok/s ({r['samples']} samples, {r['threads']} threads); "
              f"ours / llama.cpp {res['ratio'][which]:.2f}x", flush=True)
    return res


def make_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=os.environ.get("MODEL", "embedded"))
    p.add_argument("--quick", action="store_true", help="fewer items and steps (a smoke run, noisier)")
    p.add_argument("--domain", default=os.environ.get("BENCH_DOMAIN") or None,
                   help="generate for this domain's eval prompts (long prompts: where sharing the prompt's KV "
                        "cache pays) instead of the built-in short requests")
    p.add_argument("--out", default=str(ROOT / "results" / "bench" / "bench.json"))
    p.add_argument("--skip", nargs="*", default=[], choices=["generate", "llama", "train"])
    return p


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    from core.files import atomic_write_json
    from core.meta import run_info

    from core.precision import describe, resolve

    t0 = time.perf_counter()
    choice = resolve("auto", refresh=True)
    used = choice["precision"]
    ceiling = matmul_ceiling([used])
    key = {"fp32": "float32", "bf16": "bfloat16"}[used]
    print(f"precision: {describe(choice)}", flush=True)
    print(f"ceiling ({used}): {ceiling['flops'][key] / 1e9:.0f} GFLOP/s ({ceiling['threads']} threads)", flush=True)
    result = {"ceiling": ceiling, "precision": choice, "model": args.model, "quick": args.quick}
    if "generate" not in args.skip:
        from bench import bench_generate
        g = bench_generate.run(model=args.model, items=8 if args.quick else 16, seed_items=4 if args.quick else 8,
                               max_new_tokens=192, plain=not args.quick, domain=args.domain)
        params, ours = count_params(args.model), g["ours"]
        # 2N FLOPs per token the model processed: generated tokens and prompt tokens (each prefilled once)
        g.update(ours_tokens_per_s=ours["tokens_per_s"], seed_tokens_per_s=g["seed_method"]["tokens_per_s"],
                 ours_flops=(ours["tokens"] + ours["prompt_tokens"]) * model_flops_per_token(params)["forward"]
                 / ours["seconds"], params=params)
        result["generate"] = g
        print(f"generate: ours {g['ours_tokens_per_s']:.1f} tok/s"
              + (f", plain KV cache {g['ours_plain_cache']['tokens_per_s']:.1f} tok/s (shared prefix "
                 f"{g['shared_prefix_ratio']:.2f}x)" if "ours_plain_cache" in g else "")
              + f", seed {g['seed_tokens_per_s']:.1f} tok/s", flush=True)
    if "generate" in result and "llama" not in args.skip:
        result["llama_cpp"] = llama_step(args, result["generate"])
    if "train" not in args.skip:
        from bench import bench_train
        result["train"] = bench_train.run(model=args.model, quick=args.quick, steps=None if args.quick else 4)
    result["wall_s"] = time.perf_counter() - t0
    result["peak_rss_mb"] = peak_rss_mb()
    result.update(run_info())

    rows = [("step", "ours tok/s", "other tok/s", "ratio", "target", f"ours FLOP/s / {used} ceiling", "peak MB")]
    targets = {"generate": 8.0, "train": 1.5}
    for step in ("generate", "train"):
        r = result.get(step)
        if not r:
            continue
        frac = r.get("ours_flops", 0) / ceiling["flops"][key]
        rows.append((f"{step} vs seed", fmt(r["ours_tokens_per_s"]), fmt(r["seed_tokens_per_s"]),
                     f"{r['ratio']:.2f}x", f">= {targets[step]}x", f"{frac:.1%}", fmt(r.get("peak_rss_mb", 0))))
    lc = result.get("llama_cpp") or {}
    for which, r in (lc.get("llama_cpp") or {}).items():
        rows.append((f"generate vs llama.cpp {which} ({r['gguf']})", fmt(lc["ours"]["tokens_per_s"]),
                     fmt(r["tokens_per_s"]), f"{lc['ratio'][which]:.2f}x", ">= 2.0x", "", ""))
    print(table(rows))
    if lc.get("skipped"):
        print(f"generate vs llama.cpp: NOT MEASURED: {lc['skipped']}")
    p = choice.get("probe") or {}
    print(f"precision {used} on {(choice.get('cpu') or {}).get('cpu', '?')} "
          f"({(choice.get('cpu') or {}).get('capability', '?')}); probe fp32 {p.get('fp32_gflops')} / bf16 "
          f"{p.get('bf16_gflops')} GFLOP/s")
    print(f"wall time {result['wall_s']:.0f} s; written to {args.out}")
    atomic_write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
