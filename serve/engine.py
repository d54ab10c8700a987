"""The model behind `make serve` and `make chat`: base + adapter at a scale, one request at a time.

What it does: loads the model through the project's own generation backend (eval.backends.hf:
load_merged merges the adapter at its scale; eval.backends.decode samples, n continuations per prompt,
top-p, stop strings, seeded), builds prompts with the tokenizer's chat template from the domain's
`chat_messages`, refuses a prompt + max_tokens over the model's context (`ContextTooLong`), and streams
text deltas that never show a stop string nor half a UTF-8 character.

Concurrency: one lock around the model; requests wait their turn in arrival order (a waiting room of
`max_waiting`; past it `Busy` is raised, which the HTTP layer answers with 429). What it does not do:
continuous batching (a waiting request does not join a running one), or cancel a generation half-way
unless its consumer asks to (streams whose client went away).
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from eval.backends import cut_at_stop
from eval.backends.hf import HFBackend, sample_seed
from eval.settings import GenSettings


class ContextTooLong(ValueError):
    """prompt tokens + max_tokens exceed the model's context length."""


class Busy(RuntimeError):
    """More requests are waiting than the server queues."""


class Cancelled(Exception):
    """Raised from a streaming callback to end a generation early."""


@dataclass
class Request:
    messages: list
    tools: list | None = None
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int | None = None
    stop: tuple = ()
    seed: int | None = None


class TextStream:
    """Per-row text deltas: holds back a possible stop-string prefix and an unfinished UTF-8 character,
    so that the concatenated deltas equal the final, stop-cut text."""

    def __init__(self, tokenizer, stop_strings):
        self.tok, self.stops = tokenizer, [s for s in stop_strings if s]
        self.hold = max((len(s) for s in self.stops), default=1) - 1
        self.sent = 0

    def delta(self, tokens) -> str:
        text = self.tok.decode(tokens, skip_special_tokens=True)
        cut, stopped = cut_at_stop(text, self.stops)
        safe = len(cut) if stopped else len(text) - self.hold
        while safe > self.sent and text[safe - 1] == "\ufffd":  # an incomplete multi-byte character
            safe -= 1
        return self._take(text, safe)

    def rest(self, final_text: str) -> str:
        return self._take(final_text, len(final_text))

    def _take(self, text, upto) -> str:
        if upto <= self.sent:
            return ""
        out, self.sent = text[self.sent:upto], upto
        return out


class Engine:
    def __init__(self, domain, model_spec, adapter=None, scale: float = 1.0, precision: str = "fp32",
                 max_waiting: int = 16, default_max_tokens: int = 512, loaded=None):
        """`loaded` = (ref, tokenizer, model) of the base already in memory: the adapter is merged into a
        copy of it (chat keeps a base and a tuned engine without loading twice)."""
        self.domain = domain
        self.backend = HFBackend(GenSettings(precision=precision).check(), model_spec, adapter, scale,
                                 domain.stop_strings, loaded=loaded)
        self.tokenizer, self.model = self.backend.tokenizer, self.backend.model
        self.adapter, self.scale = (str(adapter) if adapter else None), (scale if adapter else None)
        self.context = int(getattr(self.model.config, "max_position_embeddings", 2048))
        self.default_max_tokens = default_max_tokens
        self.max_waiting = max_waiting
        self._lock = threading.Lock()
        self._count = threading.Lock()
        self._waiting = 0

    # --- prompts --------------------------------------------------------------------------------
    def prompt_ids(self, messages, tools=None) -> list[int]:
        msgs = self.domain.chat_messages(messages, tools)
        text = self.tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def budget(self, n_prompt: int, max_tokens: int | None) -> int:
        """The max_tokens to use, or ContextTooLong (never a silent truncation of the prompt)."""
        room = self.context - n_prompt
        want = max_tokens if max_tokens is not None else min(self.default_max_tokens, room)
        if want < 1 or n_prompt + want > self.context:
            raise ContextTooLong(f"This model's maximum context length is {self.context} tokens. However, "
                                 f"you requested {n_prompt + max(want, 1)} tokens ({n_prompt} in the messages, "
                                 f"{max(want, 1)} in the completion). Please reduce the length of the messages "
                                 "or completion.")
        return want

    # --- generation -----------------------------------------------------------------------------
    def prepare(self, req: Request) -> tuple[list[int], int]:
        """(prompt token ids, max_tokens) or ContextTooLong; cheap, no model call."""
        ids = self.prompt_ids(req.messages, req.tools)
        return ids, self.budget(len(ids), req.max_tokens)

    def admit(self):
        """A place in the queue (Busy when it is full); entering it waits for the model."""
        with self._count:
            if self._waiting >= self.max_waiting:
                raise Busy(f"{self._waiting} requests are already waiting for the model; retry later")
            self._waiting += 1
        return _Turn(self)

    def generate(self, req: Request, on_delta=None) -> tuple[list[dict], int]:
        """(choices, prompt tokens); each choice {"text", "finish", "n_tokens"}. `on_delta(index, text)`
        receives streamed text as it is made. Raises ContextTooLong or Busy before any work."""
        ids, max_tokens = self.prepare(req)
        with self.admit():
            return self.run(ids, req, max_tokens, on_delta), len(ids)

    def run(self, ids, req: Request, max_tokens: int, on_delta) -> list[dict]:
        import torch

        from eval.backends.decode import decode

        stops = [s for s in (*self.domain.stop_strings, *req.stop) if s]
        seed = req.seed if req.seed is not None else random.getrandbits(48)
        streams = [TextStream(self.tokenizer, stops) for _ in range(req.n)] if on_delta else None

        def on_token(row, tokens):
            d = streams[row].delta(tokens)
            if d:
                on_delta(row, d)

        input_ids = torch.tensor([ids], dtype=torch.long, device=self.backend.device)
        with torch.inference_mode():
            toks, finish = decode(self.model, input_ids, torch.ones_like(input_ids), req.n, max_tokens,
                                  req.temperature, req.top_p, self.backend.eos_ids,
                                  [sample_seed(seed, j) for j in range(req.n)], self.backend._stop_check(stops),
                                  on_token=on_token if on_delta else None)
        out = []
        for row, (t, f) in enumerate(zip(toks, finish)):
            body = t[:-1] if f == "eos" else t
            text, stopped = cut_at_stop(self.tokenizer.decode(body, skip_special_tokens=True), stops)
            if on_delta:
                rest = streams[row].rest(text)
                if rest:
                    on_delta(row, rest)
            out.append({"text": text, "n_tokens": len(t), "finish": "stop" if stopped or f == "eos" else f})
        return out


class _Turn:
    def __init__(self, engine):
        self.engine = engine

    def __enter__(self):
        self.engine._lock.acquire()
        with self.engine._count:
            self.engine._waiting -= 1
        return self

    def __exit__(self, *exc):
        self.engine._lock.release()
