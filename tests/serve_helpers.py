"""Helpers for the tests of make serve / chat / teacher: a live server on 127.0.0.1 in a thread, and a
scripted language model for tests that need a known answer.

`ScriptedLM` stands in for the tiny Llama inside a real `serve.engine.Engine`: the prompt, the decoding
loop (eval.backends.decode), stop strings, streaming, the HTTP layer and the domain's parsers all run as
in production; only the next-token choice follows a script (the i-th request gets scripts[i % len], then
EOS). A random tiny model cannot be trained to a known answer in test time on 2 cores.
"""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace


class ScriptedLM:
    def __init__(self, tokenizer, scripts, vocab: int):
        self.scripts = [tokenizer(s, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
                        for s in scripts]
        self.vocab, self.calls, self.start, self.current = vocab, 0, None, self.scripts[0]

    def __call__(self, input_ids, attention_mask, position_ids, past_key_values=None, **_):
        import torch

        if past_key_values is not None:  # the decoding loop sizes its batch from the cache: fill it
            z = torch.zeros(input_ids.shape[0], 1, input_ids.shape[1], 1)
            past_key_values.update(z, z.clone(), 0)
        last = int(position_ids[:, -1].max())
        if input_ids.shape[1] > 1 or self.start is None:      # prefill: a new request
            self.current = self.scripts[self.calls % len(self.scripts)]
            self.calls += 1
            self.start = last
        step = last - self.start
        tok = self.current[min(step, len(self.current) - 1)]
        logits = torch.zeros(input_ids.shape[0], 1, self.vocab)
        logits[:, :, tok] = 100.0
        return SimpleNamespace(logits=logits)


def scripted_engine(domain, model_dir, tokenizer, scripts, **kw):
    from serve.engine import Engine

    eng = Engine(domain, str(model_dir), **kw)
    lm = ScriptedLM(tokenizer, scripts, len(tokenizer))
    eng.model = eng.backend.model = lm
    return eng


class LiveServer:
    """uvicorn on 127.0.0.1, a free port, in a thread; `with LiveServer(app) as url:` gives the /v1 URL."""

    def __init__(self, app):
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=30)
