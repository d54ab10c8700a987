"""Server throughput: `make serve` measured from outside, through the official `openai` client.

    .venv/bin/python bench/bench_serve.py [--domain <name>] [--model embedded] [--adapter DIR --scale 1.0] \
        [--max-tokens 64] [--requests 4] [--concurrent 4] [--gguf FILE|embedded] [--out results/bench/serve.json]
    (make bench-serve)

Starts scripts/serve.py as its own process on 127.0.0.1 and a free port (or uses --url, which must be a
loopback address), waits for /v1/models, then sends greedy chat requests (temperature 0, the built-in
prompts of bench_generate.py as user messages, max_tokens bounded, a timeout on every call, no retries):
1. single: `--requests` requests one after another: completion tokens / wall seconds, and each latency;
2. concurrent: the same requests, `--concurrent` at once from threads: all their completion tokens / the
   wall time from the first send to the last answer (the CPU engine decodes them in one continuous
   batch, serve/engine.py), and the latency of the last one is what a client waits at worst;
3. n: one request with n = `--concurrent` sampled completions (temperature 0.8, seed 1), decoded as one
   batch inside the server.
The line `concurrent / single` is the ratio of the two throughputs (issue 34's target: >= 3x for 4).
With --gguf, the same three measurements run next against the llama-cpp backend of scripts/serve.py (llama.cpp's
own server behind this project's API), one server after the other, and print below. Tokens are the
server's own `usage.completion_tokens`. The load average before and after, the CPU model
and the threads are recorded with the figures: on a shared machine they say how quiet it was. The server
it started is stopped at the end (terminate, then kill after 30 s). Not measured: model load time beyond
the `startup_s` figure, the vLLM backend, networks other than loopback.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from core.errors import UserError  # noqa: E402
from domains import DEFAULT_DOMAIN  # noqa: E402
from eval.settings import PRECISIONS  # noqa: E402


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown"


def loopback_url(url: str) -> str:
    host = urllib.parse.urlparse(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise UserError(f"--url {url}: the bench only sends traffic to this machine (127.0.0.0/8, ::1, localhost)")
    return url


def _ask(client, model, prompt, max_tokens, **kw) -> dict:
    t0 = time.perf_counter()
    r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}],
                                       max_tokens=max_tokens, **kw)
    return {"tokens": r.usage.completion_tokens, "prompt_tokens": r.usage.prompt_tokens,
            "seconds": time.perf_counter() - t0}


def _summary(rows, wall) -> dict:
    tokens = sum(r["tokens"] for r in rows)
    return {"requests": len(rows), "completion_tokens": tokens, "wall_s": round(wall, 2),
            "tokens_per_s": round(tokens / wall, 2) if wall > 0 else None,
            "latency_s": [round(r["seconds"], 2) for r in rows],
            "prompt_tokens": [r["prompt_tokens"] for r in rows]}


def measure(url, model_id, prompts, max_tokens, requests, concurrent, timeout) -> dict:
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key="bench", max_retries=0, timeout=timeout)
    greedy = {"temperature": 0}
    _ask(client, model_id, prompts[0], 4, **greedy)  # warm-up: first-call allocations are not throughput
    t0 = time.perf_counter()
    single = [_ask(client, model_id, prompts[i % len(prompts)], max_tokens, **greedy) for i in range(requests)]
    out = {"single": _summary(single, time.perf_counter() - t0)}
    rows, errors = [None] * concurrent, []

    def one(i):
        try:
            rows[i] = _ask(client, model_id, prompts[i % len(prompts)], max_tokens, **greedy)
        except Exception as e:  # noqa: BLE001 - counted and reported, the bench goes on
            errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(concurrent)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    out["concurrent"] = _summary([r for r in rows if r], time.perf_counter() - t0) | {"errors": errors}
    t0 = time.perf_counter()
    r = _ask(client, model_id, prompts[0], max_tokens, n=concurrent, temperature=0.8, top_p=0.95, seed=1)
    out["n"] = _summary([r], time.perf_counter() - t0) | {"n": concurrent}
    one, many = out["single"]["tokens_per_s"], out["concurrent"]["tokens_per_s"]
    out["concurrent_over_single"] = round(many / one, 2) if one and many else None
    return out


def _served(a, flags, log, prompts) -> tuple[dict, float]:
    """Start scripts/serve.py with `flags` on a free loopback port, measure it, stop it."""
    from serve.process import ServeProcess

    srv = ServeProcess(flags, log)
    with srv as url:
        return measure(url, a.domain, prompts, a.max_tokens, a.requests, a.concurrent, a.timeout), srv.startup_s


def _table(title, res, concurrent) -> None:
    print(title)
    print(f"{'mode':<12}{'requests':>9}{'tokens':>8}{'wall s':>9}{'tokens/s':>10}  latency s")
    for k in ("single", "concurrent", "n"):
        r = res[k]
        print(f"{k:<12}{r['requests']:>9}{r['completion_tokens']:>8}{r['wall_s']:>9}{r['tokens_per_s']:>10}  "
              f"{r['latency_s']}")
    print(f"concurrent / single: {res['concurrent_over_single']}x total tokens/s "
          f"({concurrent} clients at once vs one at a time)")


def make_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--domain", default=DEFAULT_DOMAIN, help="the domain the server runs (default %(default)s)")
    p.add_argument("--model", default="embedded", help="base model (default %(default)s)")
    p.add_argument("--adapter", default=None,
                   help="adapter folder; 'auto': gate E's pick in --run, else its newest checkpoint; 'none' or "
                        "omitted: the base alone")
    p.add_argument("--scale", type=float, default=None,
                   help="adapter scale (default: gate E's pick with --adapter auto, else 1.0)")
    p.add_argument("--run", default=None, help="with --adapter auto: the run (default: the domain's newest)")
    p.add_argument("--gguf", default=None, help="also measure this GGUF (`embedded`: the embedded one) served "
                   "by llama.cpp behind the same API (make serve ARGS='--backend llama-cpp'), side by side")
    p.add_argument("--url", default=None, help="an already running server's /v1 URL on this machine")
    p.add_argument("--max-tokens", type=int, default=64, help="per request (default %(default)s)")
    p.add_argument("--requests", type=int, default=4, help="sequential requests (default %(default)s)")
    p.add_argument("--concurrent", type=int, default=4, help="requests sent at once, and n (default %(default)s)")
    p.add_argument("--precision", default="auto", choices=PRECISIONS,
                   help="the started server's weights (default %(default)s, the server's default)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per request (default %(default)s)")
    p.add_argument("--out", default=str(ROOT / "results" / "bench" / "serve.json"))
    return p


def main(argv=None) -> int:
    a = make_parser().parse_args(argv)
    if min(a.max_tokens, a.requests, a.concurrent) < 1 or a.max_tokens > 1024 or a.requests + a.concurrent > 64:
        raise UserError("--max-tokens 1..1024, --requests and --concurrent >= 1 and at most 64 requests in all")
    import torch

    from bench_generate import BUILTIN
    from eval.runs import resolve_adapter
    from core import precision
    from core.files import atomic_write_json
    from core.meta import run_info

    a.adapter, a.scale = resolve_adapter(a.domain, a.adapter, a.scale, a.run)
    load_before = os.getloadavg()
    if a.url:
        res, startup = measure(loopback_url(a.url), a.domain, BUILTIN, a.max_tokens, a.requests, a.concurrent,
                               a.timeout), None
    else:
        flags = ["--domain", a.domain, "--model", a.model, "--precision", a.precision] + (
            ["--adapter", a.adapter, "--scale", str(a.scale)] if a.adapter else [])
        res, startup = _served(a, flags, Path(a.out).with_suffix(".server.log"), BUILTIN)
        if a.gguf:  # the same requests against llama.cpp's server behind the same API, right after
            res["llama_cpp"], _ = _served(a, ["--domain", a.domain, "--backend", "llama-cpp", "--gguf", a.gguf],
                                          Path(a.out).with_suffix(".llama-cpp.log"), BUILTIN)
    res |= {"settings": {"domain": a.domain, "model": a.model, "adapter": a.adapter, "max_tokens": a.max_tokens,
                         "url": a.url or "started here (127.0.0.1)", "startup_s": startup,
                         "precision": None if a.url else precision.resolve(a.precision)},
            "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                        "loadavg_before": [round(x, 2) for x in load_before],
                        "loadavg_after": [round(x, 2) for x in os.getloadavg()], "nice": os.nice(0)},
            "run": run_info()}
    _table("transformers (serve/engine.py)", res, a.concurrent)
    if "llama_cpp" in res:
        _table(f"llama.cpp ({a.gguf})", res["llama_cpp"], a.concurrent)
    print(f"CPU {res['machine']['cpu']}, {res['machine']['cores']} cores, load {res['machine']['loadavg_before']} "
          f"-> {res['machine']['loadavg_after']}, nice {res['machine']['nice']}")
    atomic_write_json(a.out, res)
    print(f"wrote {a.out}")
    return 1 if res["concurrent"]["errors"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
