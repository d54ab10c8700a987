"""The model behind `make serve` and `make chat`: base + adapter at a scale, requests decoded together.

What it does: loads the model through the project's own generation backend (eval.backends.hf:
load_merged merges the adapter at its scale), builds prompts with the tokenizer's chat template from the
domain's `chat_messages`, refuses a prompt + max_tokens over the model's context (`ContextTooLong`,
before any model work), and streams text deltas that never show a stop string nor half a UTF-8 character.

Concurrency: continuous batching (eval.backends.continuous, the loop gates B and D use). One worker
thread owns the model and steps one batch; each request is a job of n rows, placed at the next step in
arrival order when its rows fit (`max_rows` rows in flight); the requests placed at one step share one
left-padded prefill pass (the pads are masked out), and each is sampled with its own per-sample
generators, so its tokens are the ones it gets alone for the same seed (up to floating-point summation
order in batched matmuls). A request whose rows do not fit
yet waits; past `max_waiting` waiting requests `Busy` is raised, which the HTTP layer answers with 429. A
consumer that raises `Cancelled` from its delta callback (a stream whose client went away) ends its job:
its rows are freed at the next step and the other requests go on. What it does not do: priorities,
preemption of running rows, sharing a prompt's cache between different requests.
"""
from __future__ import annotations

import queue
import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from core.errors import UserError
from eval.backends import cut_at_stop
from eval.backends.continuous import Cancelled
from eval.backends.hf import HFBackend, sample_seed
from eval.settings import GenSettings

__all__ = ["Busy", "Cancelled", "ContextTooLong", "Engine", "Request", "TextStream"]


class ContextTooLong(ValueError):
    """prompt tokens + max_tokens exceed the model's context length."""


class Busy(RuntimeError):
    """More requests are waiting than the server queues."""


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


class Front:
    """What every serving backend shares: prompts from the domain's `chat_messages` and the tokenizer's
    chat template, the context check, and the waiting room (admit, Busy). A backend adds run()."""

    def __init__(self, domain, tokenizer, context: int, max_waiting: int, default_max_tokens: int, max_rows: int):
        if max_rows < 1 or max_waiting < 0:
            raise UserError(f"max_rows {max_rows} must be at least 1 and max_waiting {max_waiting} at least 0")
        self.domain, self.tokenizer, self.context = domain, tokenizer, context
        self.default_max_tokens = default_max_tokens
        self.max_waiting, self.max_rows = max_waiting, max_rows
        self._count = threading.Lock()
        self._waiting = 0

    # --- prompts --------------------------------------------------------------------------------
    def prompt_ids(self, messages, tools=None) -> list[int]:
        return self.tokenizer(self.prompt_text(messages, tools), add_special_tokens=False)["input_ids"]

    def prompt_text(self, messages, tools=None) -> str:
        msgs = self.domain.chat_messages(messages, tools)
        return self.tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)

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
        if req.n > self.max_rows:
            raise UserError(f"n={req.n}: this server decodes at most {self.max_rows} rows at once (--max-rows)")
        ids = self.prompt_ids(req.messages, req.tools)
        return ids, self.budget(len(ids), req.max_tokens)

    def admit(self):
        """A place in the queue (Busy when it is full), given back when its job starts decoding or when
        the `with` block ends, whichever comes first."""
        with self._count:
            if self._waiting >= self.max_waiting:
                raise Busy(f"{self._waiting} requests are already waiting for the model; retry later")
            self._waiting += 1
        return _Turn(self)

    def generate(self, req: Request, on_delta=None) -> tuple[list[dict], int]:
        """(choices, prompt tokens); each choice {"text", "finish", "n_tokens"}. `on_delta(index, text)`
        receives streamed text as it is made. Raises ContextTooLong or Busy before any work."""
        ids, max_tokens = self.prepare(req)
        with self.admit() as turn:
            return self.run(ids, req, max_tokens, on_delta, turn), len(ids)

    def run(self, ids, req: Request, max_tokens: int, on_delta, turn=None) -> list[dict]:
        raise NotImplementedError


class Engine(Front):
    def __init__(self, domain, model_spec, adapter=None, scale: float = 1.0, precision: str = "fp32",
                 max_waiting: int = 16, default_max_tokens: int = 512, loaded=None, max_rows: int = 16):
        """`loaded` = (ref, tokenizer, model) of the base already in memory: the adapter is merged into a
        copy of it (chat keeps a base and a tuned engine without loading twice). `max_rows`: rows decoded
        at once (a request of n samples takes n)."""
        backend = HFBackend(GenSettings(precision=precision).check(), model_spec, adapter, scale,
                            domain.stop_strings, loaded=loaded)
        from eval.backends import few_rows

        few_rows.install(backend.model)  # a server's steps have a few rows: float32 products taken W @ x.T
        context = int(getattr(backend.model.config, "max_position_embeddings", 2048))
        super().__init__(domain, backend.tokenizer, context, max_waiting, default_max_tokens, max_rows)
        self.backend, self.model = backend, backend.model
        self.adapter, self.scale = (str(adapter) if adapter else None), (scale if adapter else None)
        self._inbox: queue.Queue = queue.Queue()   # jobs for the worker, placed at its next step
        self._step = threading.Lock()              # held by the worker for each step (paused() holds it)
        self._start = threading.Lock()
        self._worker = self._batch = None
        self.stats = {"peak_jobs": 0, "cancelled": 0, "batches": 0, "prefills": 0}

    def run(self, ids, req: Request, max_tokens: int, on_delta, turn=None) -> list[dict]:
        """Decode one request in the shared batch and wait for it; `turn` (from admit()) is given back
        when its rows start. Raises Cancelled if `on_delta` did, or the model's own error."""
        import torch

        from eval.backends.continuous import Job

        stops = [s for s in (*self.domain.stop_strings, *req.stop) if s]
        seed = req.seed if req.seed is not None else random.getrandbits(48)
        streams = [TextStream(self.tokenizer, stops) for _ in range(req.n)] if on_delta else None

        def on_token(row, tokens):
            d = streams[row].delta(tokens)
            if d:
                on_delta(row, d)

        finished = threading.Event()
        job = Job(torch.tensor(ids, dtype=torch.long, device=self.backend.device), req.n, max_tokens,
                  req.temperature, req.top_p, [sample_seed(seed, j) for j in range(req.n)],
                  stop_check=self.backend._stop_check(stops), on_token=on_token if on_delta else None,
                  on_start=turn.release if turn is not None else None, on_done=lambda _: finished.set())
        self._submit(job)
        try:
            finished.wait()
        except BaseException:  # Ctrl-C in the chat: the worker drops the job's rows at its next step
            job.cancelled = True
            raise
        if job.error is not None:
            if isinstance(job.error, Cancelled):
                with self._count:
                    self.stats["cancelled"] += 1
            raise job.error
        out = []
        for row, (t, f) in enumerate(zip(job.tokens, job.finish)):
            body = t[:-1] if f == "eos" else t
            text, stopped = cut_at_stop(self.tokenizer.decode(body, skip_special_tokens=True), stops)
            if on_delta:
                rest = streams[row].rest(text)
                if rest:
                    on_delta(row, rest)
            out.append({"text": text, "n_tokens": len(t), "finish": "stop" if stopped or f == "eos" else f})
        return out


    # --- the worker -----------------------------------------------------------------------------
    @contextmanager
    def paused(self):
        """No step runs inside this block (requests queue up): for tests that need a full queue."""
        with self._step:
            yield

    def _submit(self, job) -> None:
        with self._start:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="engine-worker", daemon=True)
                self._worker.start()
        self._inbox.put(job)

    def _work(self) -> None:
        """Step a batch while it has work; an idle engine waits on the inbox and starts a fresh batch
        (buffers sized for the prompts it gets, not for the longest one ever seen)."""
        import torch

        from eval.backends.continuous import Batch

        while True:
            jobs, batch = [self._inbox.get()], None
            try:
                batch = self._batch = Batch(self.model, self.backend.eos_ids, self.backend.device, self.max_rows,
                                            1, min(self.default_max_tokens, 128), prefill_together=True)
                self.stats["batches"] += 1
                busy = True
                while busy:
                    with self._step, torch.inference_mode():  # what came while paused joins this step
                        while not self._inbox.empty():
                            jobs.append(self._inbox.get_nowait())
                        for job in jobs:
                            batch.submit(job)
                        jobs = []
                        before = batch.prefills
                        busy = batch.step()
                    self.stats["peak_jobs"] = max(self.stats["peak_jobs"], batch.peak_jobs)
                    self.stats["prefills"] += batch.prefills - before
            except Exception as exc:  # noqa: BLE001 - the model failed: its requests get the error, the server goes on
                for job in jobs:
                    job.error = exc
                    job.on_done(job)
                if batch is not None:
                    batch.fail_all(exc)
            finally:
                self._batch = None

    def live_jobs(self) -> int:
        """Requests decoding right now (0 when idle)."""
        batch = self._batch
        return batch.live_jobs() if batch is not None else 0


class _Turn:
    """A place among the waiting requests; release() (at most once) gives it back."""

    def __init__(self, engine):
        self.engine, self._held = engine, True

    def release(self):
        with self.engine._count:
            if self._held:
                self._held = False
                self.engine._waiting -= 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
