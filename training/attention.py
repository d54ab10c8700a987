"""Attention for packed, padding-free training batches: each packed sequence attends only to itself,
computed per sequence instead of through one block-diagonal mask over the whole bin.

Why: TRL's padding-free packing concatenates a micro-batch into one row of `batch_size x max_length`
tokens (position_ids restart at 0 where a sequence starts). transformers' SDPA path then builds a
block-diagonal causal mask over that whole row and computes attention for every pair of positions, most
of them masked: for 2 bins of 768 tokens that is 1536^2 scores per head and layer, while the ~9 Luanti
items in them need only the sum of their own squares (~4x fewer). On a GPU, flash-attention's varlen
kernels avoid this; on a CPU there is none, so this runs `scaled_dot_product_attention` (causal) once per
sequence. The result is the same attention (tests compare logits and gradients with the masked path).

What it does not do: anything when there is an attention mask, a KV cache or more than one row (it hands
those to transformers' own SDPA): it is only ever enabled for `batching: packed` training.
"""
from __future__ import annotations

NAME = "wb_packed_sdpa"


def packed_sdpa(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None,
                position_ids=None, **kwargs):
    """query [1, Hq, L, D], key/value [1, Hkv, L, D] -> ([1, L, Hq, D], None), one causal SDPA per sequence."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    length = query.shape[2]
    if (attention_mask is not None or position_ids is None or query.shape[0] != 1 or key.shape[2] != length
            or position_ids.shape[-1] != length):
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      position_ids=position_ids, **kwargs)
    starts = (position_ids.reshape(-1) == 0).nonzero().flatten().tolist()
    bounds = sorted({0, *starts, length})
    groups = query.shape[1] // key.shape[1]
    if groups > 1:  # grouped-query attention: each key/value head serves `groups` query heads
        key, value = key.repeat_interleave(groups, 1), value.repeat_interleave(groups, 1)
    outs = [torch.nn.functional.scaled_dot_product_attention(
        query[:, :, a:b], key[:, :, a:b], value[:, :, a:b], dropout_p=dropout, scale=scaling, is_causal=True)
        for a, b in zip(bounds, bounds[1:])]
    return torch.cat(outs, 2).transpose(1, 2).contiguous(), None


def _no_mask(*args, **kwargs):
    """The packed path needs no mask tensor: sequence bounds come from position_ids."""
    return None


def enable(model) -> None:
    """Register the packed attention with transformers and switch `model` to it."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface

    AttentionInterface.register(NAME, packed_sdpa)
    AttentionMaskInterface.register(NAME, _no_mask)
    model.set_attn_implementation(NAME)
