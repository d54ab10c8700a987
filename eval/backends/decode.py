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


def sample_next(logits: torch.Tensor, temperature: float, top_p: float, gens) -> torch.Tensor:
    """One token per row of `logits` [R, V] (float32)."""
    if temperature <= 0:
        return logits.argmax(-1)
    logits = logits / temperature
    if top_p < 1.0:
        sorted_logits, order = logits.sort(-1, descending=True)
        probs = sorted_logits.softmax(-1)
        before = probs.cumsum(-1) - probs          # mass of the tokens ranked above this one
        sorted_logits = sorted_logits.masked_fill(before >= top_p, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
    probs = logits.softmax(-1)
    return torch.cat([torch.multinomial(probs[i], 1, generator=g) for i, g in enumerate(gens)])


def decode(model, input_ids, attention_mask, n: int, max_new_tokens: int, temperature: float, top_p: float,
           eos_ids, seeds, stop_check=None):
    """Sample n continuations of each left-padded prompt row.

    `seeds`: one int per output row (row r = prompt r // n, sample r % n). `stop_check(tokens) -> bool`
    says whether a row's tokens end in a stop string. Returns (tokens per row, finish per row) with
    finish in eos | stop | length; tokens include the EOS token when there is one.
    """
    pos = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=pos, use_cache=True,
                logits_to_keep=1)
    cache = out.past_key_values
    logits = out.logits[:, -1, :].float()
    mask, next_pos = attention_mask, pos[:, -1] + 1
    if n > 1:
        cache.batch_repeat_interleave(n)
        logits, mask, next_pos = (t.repeat_interleave(n, 0) for t in (logits, mask, next_pos))
    rows = logits.shape[0]
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    alive = torch.arange(rows)
    tokens, finish = [[] for _ in range(rows)], ["length"] * rows
    eos = torch.tensor(sorted(eos_ids), dtype=torch.long)
    for step in range(max_new_tokens):
        nxt = sample_next(logits, temperature, top_p, [gens[r] for r in alive.tolist()])
        done = torch.isin(nxt.cpu(), eos)
        for j, r in enumerate(alive.tolist()):
            tokens[r].append(int(nxt[j]))
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
