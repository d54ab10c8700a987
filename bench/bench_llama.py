"""Gate B's generation against llama.cpp on the same model, prompts and sampling settings, side by side.

    .venv/bin/python bench/bench_llama.py [--items 8] [--n 5] [--max-new-tokens 192] \
        [--gguf embedded embedded-f16 FILE] [--out results/bench/llama.json]      (also a step of make bench)

What a CPU user would pick instead of this project's sampler: llama.cpp through its Python bindings
(llama-cpp-python, compiled by `make llama-cpp`), the high-level `Llama.create_completion`, one sample at a
time (the bindings decode one sequence per call), on all the machine's cores. Both sides get the same
prompt token ids (the chat template applied by transformers' tokenizer, bench_generate's built-in
requests or a domain's eval prompts), the same n samples per prompt, temperature, top_p and token limit,
stop at EOS or the domain's stop strings; llama.cpp's own extra samplers are switched off (top_k 0,
min_p 0, repeat_penalty 1) so both draw from the same distribution. A sample's tokens differ between the
two (other random streams, other arithmetic); tokens/s counts what each actually generated.

The GGUFs: `embedded` = the embedded model's own Q4_1 file, the very weights transformers de-quantizes for
gate B; `embedded-f16` = those de-quantized weights written as f16 by llama.cpp's converter (deploy/gguf.py,
cached in .cache/bench/), for the same arithmetic precision class as gate B's fp32/bf16; or a file.
Gate B runs first (eval.backends.hf.HFBackend in the precision `auto` picks, as bench_generate does), then
each GGUF, in one process, one after another. Not measured: llama.cpp's C++ server with parallel slots,
prompt-processing speed alone, model load time.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from core.errors import UserError  # noqa: E402

GGUF_CHOICES = ("embedded", "embedded-f16")


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def gguf_file(which: str, model: str = "embedded") -> Path:
    """The GGUF to load for `which` (see the module docstring)."""
    from core import models

    if which == "embedded":
        return models.embedded_gguf()
    if which == "embedded-f16":
        return _embedded_f16(model)
    path = Path(which)
    if not path.is_file():
        raise UserError(f"--gguf {which}: no such file (or one of {', '.join(GGUF_CHOICES)})")
    return path


def _embedded_f16(model: str) -> Path:
    """The embedded model's de-quantized weights as an f16 GGUF, made once by llama.cpp's converter."""
    import tempfile

    from core import models
    from deploy import gguf

    out = models.cache_dir() / "bench" / "embedded-f16.gguf"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    _, tok, m = models.load(model)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        m.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        gguf.convert(tmp, out, "f16")  # writes a temporary name, then renames: a killed run leaves none
    return out


def llama_method(path: Path, prompt_ids, settings, stops, threads: int | None = None) -> dict:
    """n samples per prompt through Llama.create_completion, one after another; tokens/s as ours."""
    from llama_cpp import Llama

    threads = threads or os.cpu_count() or 1
    t_load = time.perf_counter()
    llm = Llama(model_path=str(path), n_ctx=max(len(p) for p in prompt_ids) + settings.max_new_tokens + 8,
                n_threads=threads, n_threads_batch=threads, seed=settings.seed, verbose=False)
    load_s = time.perf_counter() - t_load
    tokens, finish, t0 = 0, {}, time.perf_counter()
    for i, ids in enumerate(prompt_ids):
        for s in range(settings.n):
            r = llm.create_completion(ids, max_tokens=settings.max_new_tokens, temperature=settings.temperature,
                                      top_p=settings.top_p, top_k=0, min_p=0.0, repeat_penalty=1.0,
                                      stop=stops or None, seed=settings.seed + 1000 * i + s)
            tokens += r["usage"]["completion_tokens"]
            why = r["choices"][0]["finish_reason"]
            finish[why] = finish.get(why, 0) + 1
    secs = time.perf_counter() - t0
    return {"gguf": path.name, "bytes": path.stat().st_size, "samples": len(prompt_ids) * settings.n,
            "tokens": int(tokens), "seconds": round(secs, 2), "tokens_per_s": round(tokens / secs, 2),
            "finish": finish, "threads": threads, "load_s": round(load_s, 1)}


def run(model="embedded", items=8, n=5, max_new_tokens=192, temperature=0.2, top_p=0.9, precision="auto",
        domain=None, ggufs=GGUF_CHOICES, ours=None, llama_items=None) -> dict:
    """{"ours": gate B's figures, "llama_cpp": {gguf: figures}, "ratio": {gguf: ours / llama.cpp}}.
    `ours`: gate B's figures already measured on these items and settings (make bench passes them);
    `llama_items`: llama.cpp runs the first this many prompts, all n samples each (default: every one;
    one sequence at a time, its tokens/s does not depend on how many it runs)."""
    if not available():
        raise UserError("llama.cpp is not installed: `make llama-cpp` compiles llama-cpp-python from "
                        "env/llama_cpp.lock (~10 min on 2 cores)")
    from bench_generate import _prompts, our_method
    from core import models
    from core.precision import resolve
    from eval.settings import GenSettings

    choice = resolve(precision)
    settings = GenSettings(n=n, temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                           chunk=max(items, 1), precision=choice["precision"]).check()
    tok = models.load_tokenizer(models.resolve(model))
    prompts, stops = _prompts(tok, items, domain, None)
    if ours is None:
        from eval.backends.hf import HFBackend

        ours = our_method(HFBackend(settings, model, stop_strings=stops), prompts, settings)
    prompt_ids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts][:llama_items or None]
    out = {"model": model, "items": len(prompts), "llama_items": len(prompt_ids), "settings": settings.resume_key(),
           "precision": choice, "ours": ours, "llama_cpp": {}, "ratio": {}}
    for which in ggufs:
        res = llama_method(gguf_file(which, model), prompt_ids, settings, stops)
        out["llama_cpp"][which] = res
        out["ratio"][which] = round(ours["tokens_per_s"] / res["tokens_per_s"], 2)
    return out


def make_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="embedded")
    p.add_argument("--items", type=int, default=8, help="prompts (default %(default)s)")
    p.add_argument("--llama-items", type=int, default=None, help="llama.cpp runs the first this many (default: all)")
    p.add_argument("--n", type=int, default=5, help="samples per prompt (default %(default)s, gate B's)")
    p.add_argument("--max-new-tokens", type=int, default=192)
    p.add_argument("--precision", default="auto", help="gate B's weights (default %(default)s, as gate B)")
    p.add_argument("--domain", default=None, help="this domain's eval prompts instead of the built-in requests")
    p.add_argument("--gguf", nargs="+", default=list(GGUF_CHOICES),
                   help=f"GGUFs for llama.cpp: {', '.join(GGUF_CHOICES)} or files (default: both)")
    p.add_argument("--out", default=str(ROOT / "results" / "bench" / "llama.json"))
    return p


def main(argv=None) -> int:
    a = make_parser().parse_args(argv)
    try:
        res = run(a.model, a.items, a.n, a.max_new_tokens, precision=a.precision, domain=a.domain, ggufs=a.gguf,
                  llama_items=a.llama_items)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from core.files import atomic_write_json
    from core.meta import run_info

    res["run"] = run_info()
    atomic_write_json(a.out, res)
    ours = res["ours"]
    print(f"gate B ({res['precision']['precision']}): {ours['tokens_per_s']} tok/s, {ours['samples']} samples")
    for which, r in res["llama_cpp"].items():
        print(f"llama.cpp {which} ({r['gguf']}, {r['threads']} threads): {r['tokens_per_s']} tok/s, "
              f"{r['samples']} samples; gate B / llama.cpp = {res['ratio'][which]}x")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
