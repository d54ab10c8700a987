"""The sampling loop the hf backend runs: one prefill per prompt, n samples per prompt, finished rows
dropped from the batch, one random generator per sample.

Why not `model.generate(num_return_sequences=n)`: it prefills every prompt n times (prompts here are
150-800 tokens, so prefill dominates), and it keeps finished rows in the batch until the longest one
stops, computing padding. This loop prefills each prompt once, repeats the KV cache n times
(`Cache.batch_repeat_interleave`), and removes rows that hit EOS or a stop string
(`Cache.batch_select_indices`), so the batch shrinks as samples finish.

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
    if top_p < 1.0 and bool((probs.sum(-1) < top_p).any()):
        top, order = logits.sort(-1, descending=True)
        probs = top.softmax(-1)
    if top_p < 1.0:
        before = probs.cumsum(-1) - probs            # mass of the tokens ranked above this one
        probs = probs.masked_fill(before >= top_p, 0.0)
    picks = torch.cat([torch.multinomial(probs[i], 1, generator=g) for i, g in enumerate(gens)])
    return order.gather(-1, picks[:, None]).squeeze(-1)


def decode(model, input_ids, attention_mask, n: int, max_new_tokens: int, temperature: float, top_p: float,
           eos_ids, seeds, stop_check=None, on_token=None):
    """Sample n continuations of each left-padded prompt row.

    `seeds`: one int per output row (row r = prompt r // n, sample r % n). `stop_check(tokens) -> bool`
    says whether a row's tokens end in a stop string. `on_token(row, tokens)`, if given, is called after
    each new token of a row (streaming; an exception it raises ends the whole call). Returns (tokens per
    row, finish per row) with finish in eos | stop | length; tokens include the EOS token when there is one.
    """
    pos = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
    cache = prealloc_cache(input_ids.shape[1] + max_new_tokens)
    out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=pos, past_key_values=cache,
                use_cache=True, logits_to_keep=1)
    logits = out.logits[:, -1, :].float()
    mask, next_pos = attention_mask, pos[:, -1] + 1
    if n > 1:
        cache.batch_repeat_interleave(n)
        logits, mask, next_pos = (t.repeat_interleave(n, 0) for t in (logits, mask, next_pos))
    rows = logits.shape[0]
    gens = [torch.Generator(device=logits.device).manual_seed(int(s)) for s in seeds]
    alive = torch.arange(rows)
    tokens, finish = [[] for _ in range(rows)], ["length"] * rows
    eos = torch.tensor(sorted(eos_ids), dtype=torch.long)
    for step in range(max_new_tokens):
        nxt = sample_next(logits, temperature, top_p, [gens[r] for r in alive.tolist()])
        done = torch.isin(nxt.cpu(), eos)
        for j, r in enumerate(alive.tolist()):
            tokens[r].append(int(nxt[j]))
            if on_token is not None:
                on_token(r, tokens[r])
            if done[j]:
                finish[r] = "eos"
            elif stop_check is not None and stop_check(tokens[r]):
                finish[r], done[j] = "stop", True
        keep = (~done).nonzero().squeeze(1)
        if step == max_new_tokens - 1 or keep.numel() == 0:
            break
        if keep.numel() < alive.numel():
            cache.batch_select_indices(keep.to(mask.device))
            dev = keep.to(mask.device)
            mask, nxt, next_pos, alive = mask[dev], nxt[dev], next_pos[dev], alive[keep]
        mask = torch.cat([mask, mask.new_ones(mask.shape[0], 1)], 1)
        out = model(input_ids=nxt[:, None], attention_mask=mask, position_ids=next_pos[:, None],
                    past_key_values=cache, use_cache=True)
        logits = out.logits[:, -1, :].float()
        next_pos = next_pos + 1
    return tokens, finish
