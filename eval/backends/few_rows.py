"""float32 linear layers for decode steps of a few rows (2-16): `weight @ x.T` instead of `x @ weight.T`.

Why our own: a server decodes a handful of rows at a time, and on this CPU torch's `F.linear` (x @ W.T)
with 2-16 rows is much slower than the same product taken the other way round, which its BLAS runs as a
tall matrix times a thin one. Measured here (torch 2.13 CPU, 2 threads, AMD EPYC, nothing else in the
lock; docs/results/2026-12-05-serve-llama.md): the 576 x 49152 output head with 4 rows 17.9 ms vs
5.3 ms, a 576 x 1536 MLP matrix 176 vs 110 us; with 1 row both take the same time (it is a matrix-vector
product either way), and in bf16 the other order is not faster (68 vs 100 us), so only float32 weights
with 2-16 rows take this path. Neither transformers nor torch offers a switch for it.

`install(model)` rebinds `forward` of the model's plain `torch.nn.Linear` modules (an adapter is merged
before serving, so there are no PEFT layers left); other shapes, dtypes and row counts go to `F.linear`
as before. What changes: the summation order of those products, so a row's logits in a batch of 2-16
differ from the same row alone by float rounding, as batched matmuls already did (tests compare tokens).
"""
from __future__ import annotations

import types

import torch
import torch.nn.functional as F

MAX_ROWS = 16  # measured faster at 4 and 16 rows (docstring); larger batches keep F.linear


def _forward(self, x):
    rows = x.numel() // x.shape[-1] if x.shape[-1] else 0
    if 1 < rows <= MAX_ROWS and self.weight.dtype == torch.float32 and x.dtype == torch.float32:
        y = torch.matmul(self.weight, x.reshape(rows, x.shape[-1]).T).T
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], y.shape[-1])
    return F.linear(x, self.weight, self.bias)


def install(model) -> int:
    """Route the model's plain Linear layers through `_forward`; returns how many it changed."""
    count = 0
    for module in model.modules():
        if type(module) is torch.nn.Linear:
            module.forward = types.MethodType(_forward, module)
            count += 1
    return count
