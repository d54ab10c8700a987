"""The CPU GGUF path of `make serve`: llama.cpp decodes, this project's HTTP layer stays in front.

    make serve DOMAIN=luanti ARGS="--backend llama-cpp --gguf exports/<run>/model-q8_0.gguf"

scripts/serve.py starts llama.cpp's own OpenAI-compatible server (`python -m llama_cpp.server`, from
llama-cpp-python with its [server] extras) on a free 127.0.0.1 port as a child process, and serves
serve.api in front of it with `LlamaCppFront`: the domain's system prompt and chat template (the same
`Front.prompt_text` as the transformers engine, with the tokenizer read from the GGUF), the context
check, the waiting room and 429, stop strings, the domain's tool-call parser and x_verdict. Each choice
is one /v1/completions call upstream on the rendered prompt (n > 1: n calls with seeds
sample_seed(seed, j), one after another; llama_cpp.server decodes one request at a time), streamed when
the client streams; a consumer that raises Cancelled closes the upstream stream.

Not the same tokens as the transformers path for a seed (another sampler, quantized weights). Streamed
choices count their tokens with the GGUF's tokenizer on the text (the upstream stream has no usage).
What it does not do: batching across requests (llama_cpp.server has none), LoRA at a scale (export the
merged model at that scale first), logprobs.
"""
from __future__ import annotations

import importlib.util
import os
import random
import threading
from pathlib import Path

from core.errors import UserError
from eval.backends import cut_at_stop
from eval.backends.hf import sample_seed
from serve.engine import Front, Request

SERVER_MODULES = ("llama_cpp", "sse_starlette", "starlette_context", "pydantic_settings")


def missing() -> list[str]:
    """The modules llama_cpp.server needs that this environment lacks (empty: it can run)."""
    return [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]


def server_args(gguf, context: int, threads: int | None = None) -> list[str]:
    """Flags for `python -m llama_cpp.server` (host and port are added by serve.process.ServeProcess)."""
    return ["--model", str(Path(gguf).resolve()), "--n_ctx", str(int(context)),
            "--n_threads", str(int(threads or os.cpu_count() or 1))]


def gguf_context(gguf) -> int:
    """The context length the GGUF declares (transformers reads its metadata)."""
    from transformers import AutoConfig

    path = Path(gguf)
    cfg = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
    return int(getattr(cfg, "max_position_embeddings", 2048))


class LlamaCppFront(Front):
    def __init__(self, domain, gguf, url: str, context: int, max_waiting: int = 16,
                 default_max_tokens: int = 512, timeout: float = 900):
        from openai import OpenAI

        from core import models

        path = Path(gguf)
        if not path.is_file():
            raise UserError(f"--gguf {gguf}: no such file")
        tokenizer = models.load_tokenizer(models.resolve(str(path)))
        super().__init__(domain, tokenizer, context, max_waiting, default_max_tokens, max_rows=16)
        self.gguf, self.adapter, self.scale = str(path), None, None
        self.client = OpenAI(base_url=url, api_key="local", max_retries=0, timeout=timeout)
        self._lock = threading.Lock()   # upstream decodes one request at a time: wait here, not there

    def run(self, ids, req: Request, max_tokens: int, on_delta, turn=None) -> list[dict]:
        prompt = self.tokenizer.decode(ids, skip_special_tokens=False)
        stops = [s for s in (*self.domain.stop_strings, *req.stop) if s]
        seed = req.seed if req.seed is not None else random.getrandbits(31)
        with self._lock:
            if turn is not None:
                turn.release()
            return [self._one(prompt, req, max_tokens, stops, sample_seed(seed, j) % 2 ** 31, j, on_delta)
                    for j in range(req.n)]

    def _one(self, prompt, req, max_tokens, stops, seed, index, on_delta) -> dict:
        args = {"model": Path(self.gguf).name, "prompt": prompt, "max_tokens": max_tokens,
                "temperature": req.temperature, "top_p": req.top_p, "seed": seed, "stop": stops or None}
        if on_delta is None:
            r = self.client.completions.create(**args)
            text, finish, n_tokens = r.choices[0].text, r.choices[0].finish_reason, r.usage.completion_tokens
        else:
            parts, finish = [], "length"
            with self.client.completions.create(stream=True, **args) as stream:
                for chunk in stream:  # a Cancelled raised by on_delta leaves the block: the stream closes
                    if not chunk.choices:
                        continue
                    c = chunk.choices[0]
                    if c.text:
                        parts.append(c.text)
                        on_delta(index, c.text)
                    finish = c.finish_reason or finish
            text = "".join(parts)
            n_tokens = len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        text, stopped = cut_at_stop(text, stops)
        return {"text": text, "n_tokens": n_tokens, "finish": "stop" if stopped else (finish or "length")}
