"""Continuous batching as an object that work can join at any step: the one sampling loop behind both
eval.backends.decode.decode() (gates B and D: every prompt submitted at once, stepped until done) and
serve.engine (requests submitted as they arrive, stepped by one worker thread).

A `Job` is one prompt with its own n, token limit, temperature, top_p, per-sample seeds, stop check and
callbacks. `Batch.step()` places waiting jobs whose n rows fit in free slots (one prefill per prompt,
eval.backends.decode._Run or eval.backends.shared_prefix.SharedPrefixRun), draws one token for every
live row, ends rows at EOS, a stop, their job's token limit, or when their job was cancelled or its
callback raised, frees their slots, and runs one forward pass for the rows still going.

Equivalence: a row's tokens depend only on its prompt, its own generator and the model, not on which
other jobs share the batch or when it joined, up to floating-point summation order in batched matmuls
and in attention over a store padded to a longer neighbour's prompt (tests compare rows alone and in a
batch, greedy and sampled). Rows are sampled in groups of equal (temperature, top_p); sample_next
treats each row alone. What it does not do: priorities (jobs are placed in arrival order, a job that
does not fit waits and so do the jobs behind it), preemption of running rows.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import torch


class Cancelled(Exception):
    """A job ended by its owner (a client that went away) before it finished."""


@dataclass(eq=False)
class Job:
    prompt: torch.Tensor              # 1-D prompt token ids
    n: int
    max_new_tokens: int
    temperature: float
    top_p: float
    seeds: list                       # one per sample
    stop_check: Callable | None = None  # (sample, tokens) -> finish reason, True (= "stop") or None
    on_token: Callable | None = None    # (sample, tokens) after each token; raising ends this job only
    on_start: Callable | None = None    # () once its rows are placed
    on_done: Callable | None = None     # (job) once: all rows ended, or cancelled, or failed (job.error)
    cancelled: bool = False             # may be set from any thread; its rows end at the next step
    tokens: list = field(default_factory=list, init=False)
    finish: list = field(default_factory=list, init=False)
    error: BaseException | None = field(default=None, init=False)
    rows: range = field(default=range(0), init=False)
    left: int = field(default=0, init=False)
    gens: list = field(default_factory=list, init=False)


class Batch:
    """`cap` rows in flight at most; `n` and `max_new_tokens` size the first buffers (they grow when a
    job needs more). `prefill_together`: jobs placed at the same step share one left-padded prefill
    (one pass instead of one per prompt; False keeps each prompt's prefill free of padding)."""

    def __init__(self, model, eos_ids, device, cap: int, n: int = 1, max_new_tokens: int = 512,
                 shared: bool = True, prefill_together: bool = True):
        from eval.backends import shared_prefix
        from eval.backends.decode import _Run

        runner = shared_prefix.SharedPrefixRun if shared and shared_prefix.supported(model) else _Run
        self.eos = torch.tensor(sorted(eos_ids), dtype=torch.long)
        self.run = runner(model, n, max_new_tokens, cap, self.eos.to(device), device)
        self.device, self.cap, self.together = device, cap, prefill_together
        self.queue: deque = deque()
        self.owner: dict = {}           # row id -> (job, sample)
        self._next_row = 0
        self.peak_jobs = 0              # most jobs decoding at once (tests and the bench read it)
        self.prefills = 0               # prefill passes run (jobs placed at one step share one when together)

    def submit(self, job: Job) -> None:
        if not 1 <= job.n <= self.cap:
            raise ValueError(f"a job of n={job.n} cannot fit a batch of {self.cap} rows")
        job.tokens, job.finish = [[] for _ in range(job.n)], ["length"] * job.n
        job.gens = [torch.Generator(device=self.device).manual_seed(int(s)) for s in job.seeds]
        job.rows, job.left = range(self._next_row, self._next_row + job.n), job.n
        self._next_row += job.n
        self.queue.append(job)

    def busy(self) -> bool:
        return bool(self.queue) or bool(self.owner)

    def live_jobs(self) -> int:
        return len({id(job) for job, _ in self.owner.values()})

    def step(self) -> bool:
        """Place what fits, one token for every live row, one forward pass. False when nothing is left."""
        self._place()
        self._end_jobs([job for job, _ in self.owner.values() if job.cancelled], Cancelled("cancelled"))
        run = self.run
        live = [j for j in run.live_slots() if run.owner[j] in self.owner]
        if not live:
            return bool(self.queue)
        nxt = self._sample(live)
        done = torch.isin(nxt, self.eos).tolist()
        ended, failed = [], []
        for k, slot in enumerate(live):
            job, s = self.owner[run.owner[slot]]
            if job.error is not None:     # its callback raised on an earlier row of this step
                continue
            toks = job.tokens[s]
            toks.append(int(nxt[k]))
            try:
                if job.on_token is not None:
                    job.on_token(s, toks)
                why = None if done[k] or job.stop_check is None else job.stop_check(s, toks)
            except Exception as exc:  # noqa: BLE001 - the job's own failure, the batch goes on
                job.error = exc
                failed.append(job)
                continue
            if done[k]:
                job.finish[s] = "eos"
            elif why:
                job.finish[s], done[k] = (why if isinstance(why, str) else "stop"), True
            elif len(toks) >= job.max_new_tokens:
                done[k] = True
            if done[k]:
                ended.append(slot)
                self._row_ended(job, run.owner[slot])
        self._free(ended)
        self._end_jobs(failed, None)
        going = {slot: int(t) for slot, t, d in zip(live, nxt.tolist(), done) if not d
                 and run.owner[slot] in self.owner}
        if going:
            run.step(going, bool(self.queue))
        return self.busy()

    def fail_all(self, exc: BaseException) -> None:
        """The model itself failed: every job ends with `exc` (the caller drops this batch)."""
        jobs = list(self.queue) + [job for job, _ in self.owner.values()]
        self.queue.clear()
        self._end_jobs(jobs, exc)

    # --- internals --------------------------------------------------------------------------------
    def _place(self) -> None:
        free = self.run.cap - len(self.run.live_slots())
        take = []
        while self.queue and (self.queue[0].cancelled or self.queue[0].n <= free):
            job = self.queue.popleft()
            if job.cancelled:
                self._end_jobs([job], Cancelled("cancelled before it started"))
                continue
            take.append(job)
            free -= job.n
        groups = [take] if self.together else [[job] for job in take]
        for group in groups:
            if not group:
                continue
            self.run.admit([job.prompt for job in group], [list(job.rows) for job in group])
            self.prefills += 1
            for job in group:
                for s, r in enumerate(job.rows):
                    self.owner[r] = (job, s)
                if job.on_start is not None:
                    job.on_start()
        self.peak_jobs = max(self.peak_jobs, self.live_jobs())

    def _sample(self, live) -> torch.Tensor:
        from eval.backends.decode import sample_next

        groups: dict = {}
        for k, slot in enumerate(live):
            job, s = self.owner[self.run.owner[slot]]
            groups.setdefault((job.temperature, job.top_p), []).append((k, job.gens[s]))
        nxt = torch.empty(len(live), dtype=torch.long)
        for (temperature, top_p), members in groups.items():
            ks = [k for k, _ in members]
            logits = self.run.logits[[live[k] for k in ks]]
            nxt[ks] = sample_next(logits, temperature, top_p, [g for _, g in members]).cpu()
        return nxt

    def _row_ended(self, job: Job, row: int) -> None:
        del self.owner[row]
        job.left -= 1
        if job.left == 0 and job.on_done is not None:
            job.on_done(job)

    def _free(self, slots) -> None:
        if slots:
            self.run.free(slots)

    def _end_jobs(self, jobs, exc) -> None:
        """End every row of these jobs now (cancelled or failed): their slots are freed, on_done once."""
        for job in dict.fromkeys(jobs):
            if exc is not None and job.error is None:
                job.error = exc
            rows = set(job.rows)
            slots = [j for j, o in enumerate(self.run.owner) if o in rows and o in self.owner]
            for r in job.rows:
                self.owner.pop(r, None)
            self._free(slots)
            if job.left > 0:
                job.left = 0
                if job.on_done is not None:
                    job.on_done(job)
