"""OpenAI-compatible HTTP server on localhost for base + adapter (+ scale), any domain.

    .venv/bin/python scripts/serve.py --domain <name> --model embedded \
        [--adapter adapters/<domain>/<run>/checkpoint-100 --scale 0.5] [--port 8000] [--name <name>]

Then point any OpenAI client at http://127.0.0.1:8000/v1 (model: the --name, default the domain name):
    curl http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' \
        -d '{"model": "<name>", "messages": [{"role": "user", "content": "<a request of the domain>"}]}'
CPU (default): the project's own generation backend; concurrent requests share one continuous batch
(--max-rows rows at once), the rest queue (--max-waiting, then 429).
GPU: --backend vllm prints and runs vLLM's own OpenAI server with the LoRA (see serve/vllm.py).
CPU, a GGUF: --backend llama-cpp --gguf FILE (or `embedded`) runs llama.cpp's own server behind this one
(domain prompt, tool parsing, 429 in front; see serve/llama_cpp.py); needs llama-cpp-python[server].
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval import cli  # noqa: E402
from eval.settings import PRECISIONS  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Serve base + adapter over an OpenAI-compatible API.")
    cli.add_model_adapter(p, "domain name (prompts, tool-call parser)")
    p.add_argument("--name", default=None, help="the model id clients ask for (default: the domain name)")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default %(default)s: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port to listen on (default %(default)s)")
    p.add_argument("--precision", default="auto", choices=PRECISIONS,
                   help="weights on CPU (default %(default)s: bf16 where core/precision.py's probe finds it faster, "
                        "else fp32; measured on a native-bf16 CPU, bf16 served 1 client at 14.99 and 4 at once at "
                        "47.14 tokens/s against fp32's 12.28 and 37.56, docs/results/2026-12-05-serve-llama.md)")
    p.add_argument("--max-waiting", type=int, default=16, help="queued requests before 429 (default %(default)s)")
    p.add_argument("--max-per-client", type=int, default=4,
                   help="requests one client (address + bearer key) may have waiting or running before 429 "
                        "(default %(default)s)")
    p.add_argument("--max-body-bytes", type=int, default=1 << 20,
                   help="larger request bodies get 413 before they are read (default %(default)s)")
    p.add_argument("--max-rows", type=int, default=16,
                   help="rows decoded at once in the shared batch; a request of n samples takes n, and n is at "
                        "most this (default %(default)s)")
    p.add_argument("--max-tokens", type=int, default=512,
                   help="completion tokens when a request gives no max_tokens (default %(default)s)")
    p.add_argument("--backend", default="hf", choices=("hf", "vllm", "llama-cpp"),
                   help="hf (CPU, default) | vllm (GPU) | llama-cpp (a GGUF on CPU, with --gguf)")
    p.add_argument("--gguf", default=None, help="llama-cpp: the GGUF file to serve (`embedded`: the embedded one)")
    p.add_argument("--threads", type=int, default=None, help="llama-cpp: threads (default: every core)")
    return p


@cli.entry
def main(argv=None):
    args, scale, domain = cli.parse_model_adapter(make_parser(), argv)
    name = args.name or domain.name
    if args.backend == "vllm":
        from serve.vllm import command

        cmd = command(args.model, args.adapter, scale, args.host, args.port, name)
        print("running: " + " ".join(cmd), flush=True)
        os.execvp(cmd[0], cmd)
    if args.backend == "llama-cpp":
        return serve_gguf(args, domain, name)
    import uvicorn

    from serve.api import create_app
    from serve.engine import Engine

    engine = Engine(domain, args.model, args.adapter, scale, args.precision, args.max_waiting, args.max_tokens,
                    max_rows=args.max_rows)
    print(f"serving {name!r} (domain {domain.name}, adapter {args.adapter or 'none'}, scale {scale:g}, "
          f"{str(engine.model.dtype).replace('torch.', '')} weights, --precision {args.precision}) on "
          f"http://{args.host}:{args.port}/v1", flush=True)
    uvicorn.run(create_app(engine, name, args.max_body_bytes, args.max_per_client), host=args.host, port=args.port,
                log_level="warning")
    return 0


def serve_gguf(args, domain, name) -> int:
    """llama.cpp's server on a free loopback port, this project's API in front of it."""
    import uvicorn

    from core import models
    from core.errors import UserError
    from serve import llama_cpp
    from serve.api import create_app
    from serve.process import ServeProcess

    if not args.gguf:
        raise UserError("--backend llama-cpp serves one GGUF file: give --gguf FILE (or `embedded`)")
    if args.adapter:  # make serve passes gate E's pick (ADAPTER=auto): a GGUF carries its adapter merged already
        print(f"note: adapter {args.adapter} is not applied to the GGUF (export it merged: make export)", flush=True)
    lacking = llama_cpp.missing()
    if lacking:
        raise UserError(f"--backend llama-cpp needs llama-cpp-python[server]; missing modules: {', '.join(lacking)} "
                        "(`make llama-cpp` builds the bindings and installs the [server] wheels, all pinned in "
                        "env/llama_cpp.lock)")
    gguf = models.embedded_gguf() if args.gguf == "embedded" else Path(args.gguf)
    context = llama_cpp.gguf_context(gguf)
    upstream = ServeProcess(llama_cpp.server_args(gguf, context, args.threads), module="llama_cpp.server")
    with upstream as url:
        front = llama_cpp.LlamaCppFront(domain, gguf, url, context, args.max_waiting, args.max_tokens)
        print(f"serving {name!r} (domain {domain.name}, GGUF {gguf.name} in llama.cpp at {url}) on "
              f"http://{args.host}:{args.port}/v1", flush=True)
        uvicorn.run(create_app(front, name, args.max_body_bytes, args.max_per_client), host=args.host,
                    port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
