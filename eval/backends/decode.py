"""The sampling pieces the hf backend runs: continuous batching over a queue of prompts, one prefill per
prompt, n samples per prompt, one random generator per sample. The loop itself is
eval.backends.continuous.Batch (shared with the server, serve/engine.py); decode() submits every prompt
as a job and steps it to the end; this module keeps the KV cache, the row slots and the sampler.

Why not `model.generate(num_return_sequences=n)`: it prefills every prompt n times (prompts here are
150-800 tokens, so prefill dominates), and it keeps finished rows in the batch until the longest one
stops, computing padding. This loop prefills each prompt once and repeats its KV cache n times; when a
sample hits EOS, a stop string or its token limit, its row (a slot) is freed, and as soon as n slots are
free the next queued prompt is prefilled and its n samples take them (continuous batching: the batch
stays full while prompts are waiting, instead of shrinking until its longest row ends). With no prompt
left, finished rows are dropped (`Cache.batch_select_indices`) so the tail runs on live rows only.

Equivalence: a row's tokens depend only on its prompt, its own generator and the model: not on which
other rows share the batch, or when it joined, up to floating-point summation order in batched matmuls
(tests compare continuous against one-batch decoding, greedy and sampled, token for token).

Sampling = transformers' order: temperature, then top-p (smallest set of tokens whose mass reaches
top_p), then a draw. Each sample draws from its own torch.Generator seeded from (global seed, item id,
sample index), so a sample does not depend on which other rows share its batch or on how far a run got.
temperature 0 = greedy. What it does not do: beam search, repetition penalties, speculative decoding.
"""
from __future__ import annotations

import torch


def prealloc_cache(capacity: int):
    """A KV cache whose layers write into buffers sized for prompt + max_new_tokens.

    transformers' DynamicLayer grows by torch.cat every step: a full copy of the cache per token, which
    took ~45% of decode time here (6 prompts x 5 samples, ~550-token prompts). These layers copy only
    when rows are dropped or repeated.
    """
    from transformers.cache_utils import Cache, DynamicLayer

    class PreallocLayer(DynamicLayer):
        def update(self, key_states, value_states, *args, **kwargs):
            if not self.is_initialized:
                self.dtype, self.device = key_states.dtype, key_states.device
                b, h, _, d = key_states.shape
                self._k = key_states.new_empty((b, h, capacity, d))
                self._v = value_states.new_empty((b, h, capacity, value_states.shape[-1]))
                self._len, self.is_initialized = 0, True
            t = key_states.shape[-2]
            if self._len + t > self._k.shape[-2]:  # longer than planned: grow, rarely
                pad = max(t, self._k.shape[-2])
                self._k = torch.cat([self._k, self._k.new_empty(self._k.shape[:2] + (pad, self._k.shape[3]))], 2)
                self._v = torch.cat([self._v, self._v.new_empty(self._v.shape[:2] + (pad, self._v.shape[3]))], 2)
            self._k[:, :, self._len:self._len + t] = key_states
            self._v[:, :, self._len:self._len + t] = value_states
            self._len += t
            return self._views()

        def _views(self):
            self.keys, self.values = self._k[:, :, :self._len], self._v[:, :, :self._len]
            return self.keys, self.values

        def batch_repeat_interleave(self, repeats: int) -> None:
            if self.is_initialized:
                self._k, self._v = self._k.repeat_interleave(repeats, 0), self._v.repeat_interleave(repeats, 0)
                self._views()

        def batch_select_indices(self, indices) -> None:
            if self.is_initialized:
                self._k, self._v = self._k[indices], self._v[indices]
                self._views()

        def write_rows(self, rows, keys, values) -> None:
            """Place a freshly prefilled [m, H, L, D] block right-aligned into slots `rows` (L <= length)."""
            t = keys.shape[-2]
            self._k[rows, :, self._len - t:self._len] = keys
            self._v[rows, :, self._len - t:self._len] = values

        def reshape_columns(self, pad_left: int, cut_left: int, room: int) -> None:
            """New buffers holding columns [cut_left, len) after `pad_left` empty columns, with `room`
            columns free at the end (used to fit a longer prompt and to drop columns no row needs)."""
            if not self.is_initialized:
                return
            live = self._len - cut_left
            shape = self._k.shape[:2] + (pad_left + live + room, self._k.shape[3])
            k, v = self._k.new_zeros(shape), self._v.new_zeros(shape)
            k[:, :, pad_left:pad_left + live] = self._k[:, :, cut_left:self._len]
            v[:, :, pad_left:pad_left + live] = self._v[:, :, cut_left:self._len]
            self._k, self._v, self._len = k, v, pad_left + live
            self._views()

        def room(self) -> int:
            return self._k.shape[-2] - self._len if self.is_initialized else 0

    return Cache(layer_class_to_replicate=PreallocLayer)


TOP_K_FAST = 64  # candidates tried before sorting the whole vocabulary


def sample_next(logits: torch.Tensor, temperature: float, top_p: float, gens) -> torch.Tensor:
    """One token per row of `logits` [R, V] (float32).

    Top-p is computed exactly on the 64 most likely tokens when they hold at least `top_p` of the mass
    (tokens outside them are then cut anyway); otherwise on the whole sorted vocabulary. Sorting 49k
    logits per row every step cost ~17% of decode time.
    """
    if temperature <= 0:
        return logits.argmax(-1)
    logits = logits / temperature
    k = min(TOP_K_FAST, logits.shape[-1]) if top_p < 1.0 else logits.shape[-1]
    top, order = logits.topk(k, -1)                  # sorted, descending
    probs = (top - logits.logsumexp(-1, keepdim=True)).exp()
    whole = {}
    if top_p < 1.0:
        # rows whose 64 best hold less than top_p take the whole sorted vocabulary, alone: a row's draw
        # never depends on the other rows of the batch (a server's neighbours are other clients)
        short = (probs.sum(-1) < top_p).nonzero().flatten().tolist()
        if short:
            s_top, s_order = logits[short].sort(-1, descending=True)
            s_probs = _nucleus(s_top.softmax(-1), top_p)
            whole = {r: (s_probs[i], s_order[i]) for i, r in enumerate(short)}
        probs = _nucleus(probs, top_p)
    picks = []
    for i, g in enumerate(gens):
        p, o = whole.get(i, (probs[i], order[i]))
        picks.append(o[torch.multinomial(p, 1, generator=g)])
    return torch.cat(picks)


def _nucleus(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Sorted probabilities with the tokens past the smallest set reaching top_p set to 0."""
    before = probs.cumsum(-1) - probs            # mass of the tokens ranked above this one
    return probs.masked_fill(before >= top_p, 0.0)


def decode(model, input_ids, attention_mask, n: int, max_new_tokens: int, temperature: float, top_p: float,
           eos_ids, seeds, stop_check=None, max_rows: int | None = None, on_prompt_done=None, on_token=None,
           shared: bool = True):
    """Sample n continuations of each left-padded prompt row, at most `max_rows` rows in flight.

    `seeds`: one int per output row (row r = prompt r // n, sample r % n). `stop_check(row, tokens)`
    says whether a row ends here: a finish reason ("stop", "answered"; True = "stop") or None. `max_rows` (rounded down to a multiple of n, at
    least n; default: every row at once) bounds the batch: prompts beyond it wait in a queue and join as
    rows finish. Returns (tokens per row, finish per row) with finish in eos | stop | length; tokens
    include the EOS token when there is one. `on_prompt_done(i)` is called when prompt i's n rows end.
    `on_token(row, tokens)`, if given, is called after each new token of a row (streaming; an exception it
    raises ends the whole call). `shared`: the n samples of a prompt share one copy of its KV cache
    (eval.backends.shared_prefix) where the model allows it; False = the plain cache (_Run).
    The loop itself is eval.backends.continuous.Batch (the server's too): every prompt is one job.
    """
    from eval.backends.continuous import Batch, Job

    prompts = [ids[m.bool()] for ids, m in zip(input_ids, attention_mask)]
    total = len(prompts) * n
    cap = total if not max_rows else max(n, min(total, (max_rows // n) * n))
    batch = Batch(model, eos_ids, input_ids.device, cap, n, max_new_tokens, shared)
    failed: list = []

    def job(i, prompt):
        def ended(j):
            if j.error is not None:
                failed.append(j.error)
            elif on_prompt_done is not None:
                on_prompt_done(i)
        return Job(prompt, n, max_new_tokens, temperature, top_p, seeds[i * n:(i + 1) * n],
                   stop_check=(lambda s, t: stop_check(i * n + s, t)) if stop_check else None,
                   on_token=(lambda s, t: on_token(i * n + s, t)) if on_token else None, on_done=ended)

    jobs = [job(i, p) for i, p in enumerate(prompts)]
    for j in jobs:
        batch.submit(j)
    while batch.step():
        if failed:
            raise failed[0]
    if failed:
        raise failed[0]
    return [t for j in jobs for t in j.tokens], [f for j in jobs for f in j.finish]


def left_padded(prompts, pad_token: int, device):
    """(ids, mask, positions) [m, width] of token lists left-padded to the longest."""
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_token, dtype=torch.long, device=device)
    mask = torch.zeros((len(prompts), width), dtype=torch.long, device=device)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):], mask[i, width - len(p):] = p, 1
    return ids, mask, (mask.cumsum(-1) - 1).clamp(min=0)


def step_tokens(run, going: dict, prompts_waiting: bool) -> torch.Tensor:
    """The next input token of every slot of `run` (free slots get a pad token). With no prompt waiting
    and a quarter of the slots free, the free ones are dropped first (`run._select`)."""
    tok = torch.full((len(run.owner),), run.pad_token, dtype=torch.long, device=run.device)
    tok[torch.tensor(list(going), device=run.device)] = torch.tensor(list(going.values()), device=run.device)
    dead = len(run.owner) - len(going)
    if not prompts_waiting and dead and 4 * dead >= len(run.owner):
        keep = [j for j in range(len(run.owner)) if run.owner[j] >= 0]
        tok = tok[torch.tensor(keep, device=run.device)]
        run._select(keep)
    return tok


class Slots:
    """Row slots of a continuous batch (what decode() asks of a run): a slot's owner is its output row,
    or -1 when free; up to `cap` rows (continuous.Batch places a prompt when its rows fit). `n` is the
    usual number of rows per prompt (it sizes the first buffers); admit() takes each prompt's own rows."""

    def __init__(self, model, n, max_new_tokens, cap, eos, device):
        self.model, self.n, self.max_new, self.cap, self.device = model, n, max_new_tokens, cap, device
        self.pad_token = int(eos[0]) if len(eos) else 0  # what free slots are fed; their output is ignored
        self.owner: list[int] = []

    def live_slots(self) -> list[int]:
        return [j for j, o in enumerate(self.owner) if o >= 0]

    def free(self, slots) -> None:
        for j in slots:
            self.owner[j] = -1


class _Run(Slots):
    """The slots of one continuous batch: KV cache rows, attention mask, positions, owners, logits.

    Free slots are refilled while prompts wait; once none wait, they are dropped (a copy of the cache)
    when they make up a quarter of the batch.
    """

    def __init__(self, model, n, max_new_tokens, cap, eos, device):
        super().__init__(model, n, max_new_tokens, cap, eos, device)
        self.cache, self.mask, self.pos, self.logits = None, None, None, None

    def _prefill(self, prompts, counts):
        """Left-pad `prompts` together, prefill once, repeat row i counts[i] times: (cache, mask, pos, logits)."""
        ids, mask, pos = left_padded(prompts, self.pad_token, self.device)
        width = ids.shape[1]
        cache = prealloc_cache(width + (self.max_new if self.cache is None else 0) + 1)
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache,
                         use_cache=True, logits_to_keep=1)
        logits, nxt_pos = out.logits[:, -1, :].float(), pos[:, -1] + 1
        if any(c > 1 for c in counts):
            reps = torch.tensor(counts, device=self.device)
            cache.batch_repeat_interleave(reps)
            logits, mask, nxt_pos = (t.repeat_interleave(reps, 0) for t in (logits, mask, nxt_pos))
        return cache, mask, nxt_pos, logits

    def admit(self, prompts, rows) -> None:
        """Prefill `prompts` once and give prompt i the slots of output rows rows[i] (its samples)."""
        cache, mask, pos, logits = self._prefill(prompts, [len(r) for r in rows])
        owners = [r for group in rows for r in group]
        if self.cache is None:
            self.cache, self.mask, self.pos, self.logits, self.owner = cache, mask, pos, logits, owners
            return
        free = [j for j, o in enumerate(self.owner) if o < 0]
        if len(free) < len(owners):  # slots were dropped in the tail: grow the batch again
            self._grow(len(owners) - len(free))
            free = [j for j, o in enumerate(self.owner) if o < 0]
        slots = free[:len(owners)]
        width, length = mask.shape[1], self.mask.shape[1]
        if width > length:  # a longer prompt than the batch's columns: pad every row on the left
            self._reshape(pad_left=width - length, cut_left=0)
            length = width
        rows = torch.tensor(slots, device=self.device)
        for main, new in zip(self.cache.layers, cache.layers):
            main.write_rows(rows, new.keys, new.values)
        self.mask[rows] = 0
        self.mask[rows, length - width:] = mask
        self.pos[rows], self.logits[rows] = pos, logits
        for j, o in zip(slots, owners):
            self.owner[j] = o

    def _grow(self, extra: int) -> None:
        idx = list(range(len(self.owner))) + [0] * extra  # copies of row 0, overwritten by the caller
        self._select(idx)
        for j in range(len(self.owner) - extra, len(self.owner)):
            self.owner[j] = -1

    def _select(self, idx: list[int]) -> None:
        t = torch.tensor(idx, device=self.device)
        self.cache.batch_select_indices(t)
        self.mask, self.pos, self.logits = self.mask[t], self.pos[t], self.logits[t]
        self.owner = [self.owner[j] for j in idx]

    def _reshape(self, pad_left: int, cut_left: int) -> None:
        room = self.max_new + 64
        for layer in self.cache.layers:
            layer.reshape_columns(pad_left, cut_left, room)
        m = self.mask[:, cut_left:]
        self.mask = torch.cat([m.new_zeros((m.shape[0], pad_left)), m], 1)

    def step(self, going: dict, prompts_waiting: bool) -> None:
        """One forward pass for every slot: `going` maps live slots to their last token; free slots carry
        a pad token and their output is ignored."""
        tok = step_tokens(self, going, prompts_waiting)
        if self.cache.layers[0].room() < 1:  # out of columns: drop those no live row needs, add room
            used = self.mask[[j for j, o in enumerate(self.owner) if o >= 0]]
            first = int(used.argmax(-1).min()) if used.numel() else 0
            self._reshape(pad_left=0, cut_left=first)
        self.mask = torch.cat([self.mask, self.mask.new_ones(self.mask.shape[0], 1)], 1)
        out = self.model(input_ids=tok[:, None], attention_mask=self.mask, position_ids=self.pos[:, None],
                         past_key_values=self.cache, use_cache=True)
        self.logits = out.logits[:, -1, :].float()
        self.pos = self.pos + 1
