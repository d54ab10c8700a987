"""Generation throughput: gate B's batched generation vs the seed's method, same items, same run.

    .venv/bin/python bench/bench_generate.py --model embedded --items 16 --max-new-tokens 192

`run(model="embedded", items=8, ...) -> dict` is what the bench command calls. Both methods generate
for the same prompts with the same sampling settings:

* seed method: one `model.generate` call per sample, batch of 1, fp32, no stop criteria (it runs to
  max_new_tokens: min_new_tokens = max_new_tokens keeps EOS out), as the seed project did;
* ours: eval.backends.hf.HFBackend as gate B runs it (length-sorted chunks, `batch_size` prompts x n
  samples in flight, default as many as make eval.settings.ROWS_IN_FLIGHT rows, with continuous
  batching; one prefill per prompt whose KV cache its n samples share (eval.backends.shared_prefix),
  stop at EOS/stop strings, in the precision `auto` chooses on this machine);
* ours_plain_cache: the same with n copies of each prompt's KV cache (the previous method), to measure
  what sharing the prefix buys, side by side.

Fair count: tokens/s counts only the tokens each method actually generated (ours stops at EOS; padding
rows riding along after their EOS are not counted). The seed method runs `seed_samples` samples per item
on the first `seed_items` items (its per-token rate does not depend on how many it runs, and it is ~10x
slower). Peak memory is the
process's max RSS after each phase. What it does not measure: scoring time, model load time.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.errors import UserError  # noqa: E402

# Generic code requests, used when no domain data is given (the bench must not depend on a domain).
BUILTIN = [
    "Write a Python function that returns the n-th Fibonacci number.",
    "Write a Lua function that reverses a table in place.",
    "Write a JavaScript function that debounces another function.",
    "Write a SQL query that lists the ten customers with the most orders.",
    "Write a Python class for a stack with push, pop and peek.",
    "Write a Bash script that counts lines in all .py files under a folder.",
    "Write a C function that checks whether a string is a palindrome.",
    "Write a Python function that merges two sorted lists.",
    "Write a Go function that returns the maximum of a slice of ints.",
    "Write a Rust function that sums the even numbers in a vector.",
    "Write a Python script that reads a CSV file and prints the column names.",
    "Write a TypeScript interface for a user with name, email and age.",
    "Write a Java method that counts the vowels in a string.",
    "Write a Python function that flattens a nested list.",
    "Write a Lua function that returns the keys of a table sorted.",
    "Write a C function that reverses a linked list.",
]


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _prompts(tok, items, domain, data):
    if domain:
        import domains
        from eval.generate import build_prompt

        dom = domains.get(domain)
        rows = dom.load(data or dom.default_eval)[:items]
        return [build_prompt(tok, dom, it) for it in rows], list(dom.stop_strings)
    if items > len(BUILTIN):
        raise UserError(f"--items {items}: the built-in prompt set has {len(BUILTIN)}; pass --domain")
    msgs = [[{"role": "user", "content": p}] for p in BUILTIN[:items]]
    return [tok.apply_chat_template(m, add_generation_prompt=True, tokenize=False) for m in msgs], []


def seed_method(backend, prompts, settings, samples: int) -> dict:
    """One generate() per sample, batch 1, fp32, no stop criteria, to max_new_tokens."""
    import torch

    tok, model = backend.tokenizer, backend.model
    tokens, t0 = 0, time.perf_counter()
    for i, p in enumerate(prompts):
        enc = tok(p, return_tensors="pt", add_special_tokens=False)
        for s in range(samples):
            torch.manual_seed(1000 * i + s)
            with torch.no_grad():
                out = model.generate(**enc, do_sample=settings.temperature > 0, temperature=settings.temperature,
                                     top_p=settings.top_p, max_new_tokens=settings.max_new_tokens,
                                     min_new_tokens=settings.max_new_tokens, pad_token_id=tok.pad_token_id)
            tokens += out.shape[1] - enc["input_ids"].shape[1]
    secs = time.perf_counter() - t0
    return {"samples": len(prompts) * samples, "tokens": int(tokens), "seconds": round(secs, 2),
            "tokens_per_s": round(tokens / secs, 2), "peak_rss_mb": _rss_mb()}


def our_method(backend, prompts, settings) -> dict:
    from eval.generate import make_batches

    lengths = {i: backend.count_tokens(p) for i, p in enumerate(prompts)}
    tokens, t0 = 0, time.perf_counter()
    finish = {}
    backend.settings = settings
    for ids in make_batches(dict(enumerate(prompts)), lengths, settings.chunk):
        for samples in backend.generate([prompts[i] for i in ids], [settings.seed + i for i in ids]):
            for s in samples:
                tokens += s["n_tokens"]
                finish[s["finish"]] = finish.get(s["finish"], 0) + 1
    secs = time.perf_counter() - t0
    return {"samples": len(prompts) * settings.n, "tokens": int(tokens), "seconds": round(secs, 2),
            "tokens_per_s": round(tokens / secs, 2), "finish": finish, "peak_rss_mb": _rss_mb(),
            "prompt_tokens": sum(lengths.values())}  # each prefilled once


def run(model="embedded", items=16, n=5, max_new_tokens=192, temperature=0.2, top_p=0.9, batch_size=0,
        seed_samples=1, precision="auto", domain=None, data=None, seed_items=8, plain=True) -> dict:
    from core.precision import resolve
    from eval.backends.hf import HFBackend
    from eval.settings import GenSettings

    choice = resolve(precision)
    settings = GenSettings(n=n, temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                           batch_size=batch_size, chunk=max(items, 1), precision=choice["precision"]).check()
    backend = HFBackend(settings, model)
    prompts, stops = _prompts(backend.tokenizer, items, domain, data)
    if stops:
        backend = HFBackend(settings, model, stop_strings=stops,
                            loaded=(backend.ref, backend.tokenizer, backend.model))
    ours = our_method(backend, prompts, settings)
    out = {"model": backend.ref.name, "items": len(prompts), "threads": os.cpu_count(),
           "settings": settings.resume_key(), "precision": choice, "ours": ours}
    if plain:  # n copies of each prompt's keys/values instead of one shared copy
        backend.shared_prefix = False
        out["ours_plain_cache"] = our_method(backend, prompts, settings)
        backend.shared_prefix = True
        out["shared_prefix_ratio"] = round(ours["tokens_per_s"] / out["ours_plain_cache"]["tokens_per_s"], 2)
    del backend.model  # the seed method runs the model in float32, as loaded
    seed_backend = HFBackend(GenSettings(**{**settings.resume_key(), "precision": "fp32"}), model)
    out["seed_method"] = seed = seed_method(seed_backend, prompts[:seed_items], settings, seed_samples)
    out.update(ratio=round(ours["tokens_per_s"] / seed["tokens_per_s"], 2), peak_rss_mb=_rss_mb())
    return out


def make_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="embedded")
    p.add_argument("--items", type=int, default=16)
    p.add_argument("--seed-items", type=int, default=8, help="items the (slow) seed method runs")
    p.add_argument("--n", type=int, default=5)
    p.add_argument("--max-new-tokens", type=int, default=192)
    p.add_argument("--batch-size", type=int, default=0, help="prompts in flight (0 = eval.settings' default)")
    p.add_argument("--seed-samples", type=int, default=1)
    p.add_argument("--precision", default="auto")
    p.add_argument("--domain", default=None)
    p.add_argument("--data", default=None)
    p.add_argument("--out", default=None, help="also write the numbers to this JSON file")
    return p


def main(argv=None) -> int:
    a = make_parser().parse_args(argv)
    try:
        res = run(a.model, a.items, a.n, a.max_new_tokens, batch_size=a.batch_size, seed_samples=a.seed_samples,
                  precision=a.precision, domain=a.domain, data=a.data, seed_items=a.seed_items)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.out:
        from core.files import atomic_write_json

        atomic_write_json(a.out, res)
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
