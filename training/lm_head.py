"""Score only the positions that carry a label in TRL's fused LM head, on every device.

Why: TRL's SFT loss projects hidden states through the output head in tiles (trl.kernels.chunked_logprob)
and, off Triton devices, scores every position of the batch so that tile shapes stay fixed for
compilers (Neuron); masked positions are then zeroed. On a CPU nothing is compiled, and with
completion-only loss ~75% of the Luanti demo's positions carry no label, so the head (49,152 x 576, run
forward, then again in backward) did ~4x the work needed: a third of a CPU training step, measured by
profiling it. TRL scores only labelled positions on Triton devices ("compact"); this makes it do so on
the CPU too. The loss and the logged metrics are the same (tests compare both ways).

What it does not change: anything on a GPU (where TRL already scores compactly).

The second patch (DirectOnCpu, below) replaces TRL's tiled CPU kernel by one matmul and autograd when the
logits fit in memory; cpu_loss_head() installs both (training/sft.py, dpo.py, grpo.py).
"""
from __future__ import annotations

_PATCHED = "_wb_compact_on_cpu"


def compact_on_cpu() -> bool:
    """Patch TRL's choice of compact scoring to include CPU tensors; False if this TRL has no such choice
    (then nothing changes, and training is only slower)."""
    from trl.trainer import utils

    original = getattr(utils, "_use_triton", None)
    if original is None:
        return False
    if getattr(original, _PATCHED, False):
        return True

    def use_compact(device) -> bool:
        return device.type == "cpu" or original(device)

    setattr(use_compact, _PATCHED, True)
    use_compact.original = original
    utils._use_triton = use_compact
    return True


# --- the head in one matmul on a CPU -------------------------------------------------------------------------

ENV_SWITCH = "WB_DIRECT_LOGPROB"  # "0": keep TRL's tiled function (the A/B of docs/results/2026-12-05-cpu-loss-head.md)
# Size of one fp32 [N, V] tensor at most; autograd keeps a few of that size alive (the log-probs, the
# probabilities for the entropy). SmolLM2's V = 49,152: up to 1,365 scored positions (a demo step: <= 768).
MAX_LOGITS_BYTES = 256 * 2**20


def direct_logprob(hidden, weight, bias, targets, temperature, chunk_size=None, final_logit_softcapping=None,
                   logit_scale=1.0, outputs=None):
    """TRL's ChunkedLogProbFunction (same arguments, same 5 results) with full logits and autograd.

    Written here rather than taken from TRL because TRL's CPU path is the tiled one this replaces. The order of
    the transform is TRL's `_torch_transform` (scale, softcap via tanh, 1/temperature); the matmul runs in the
    autocast dtype like TRL's tiles, and everything after it in fp32 (TRL accumulates in fp32 too). `is_top1`
    follows TRL's tie rule: the target must be the first maximum (argmax returns the first).
    """
    import torch
    import torch.nn.functional as F
    from trl.kernels.chunked_logprob import OPTIONAL_OUTPUTS

    outputs = OPTIONAL_OUTPUTS if outputs is None else outputs
    device = hidden.device.type
    compute = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else hidden.dtype
    with torch.autocast(device, enabled=False):
        logits = F.linear(hidden.to(compute), weight.to(compute), None if bias is None else bias.to(compute))
        z = logits.float() * logit_scale
        if final_logit_softcapping is not None:
            z = final_logit_softcapping * torch.tanh(z / final_logit_softcapping)
        z = z / temperature
        logp = torch.log_softmax(z, dim=-1)
        logprobs = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        entropy = -(logp.exp() * logp).sum(-1) if "entropy" in outputs else None
        with torch.no_grad():  # TRL marks these non-differentiable
            log_sum_sq_probs = torch.logsumexp(2 * logp, dim=-1) if "log_sum_sq_probs" in outputs else None
            mean_logits = z.mean(-1) if "mean_logits" in outputs else None
            is_top1 = z.argmax(-1) == targets if "is_top1" in outputs else None
    return logprobs, entropy, log_sum_sq_probs, mean_logits, is_top1


class DirectOnCpu:
    """Stands in for `trl.trainer.utils._ChunkedLogProbFunction`: `direct_logprob` where `takes_direct` (a CPU,
    logits that fit MAX_LOGITS_BYTES, a precision with fast kernels), TRL's own function otherwise.

    Why: on a device without Triton, TRL projects [<=4096 positions, 32,768 vocabulary] tiles and folds each
    into online-logsumexp statistics with many small torch ops (`_forward_tile`), then recomputes every tile in
    backward (`_backward_tile`) to save memory that a CPU run of this size does not need. One matmul, one
    log_softmax and autograd's backward do the same work in fewer, larger ops. Measured on the Luanti demo's
    training steps: docs/results/2026-12-05-cpu-loss-head.md.
    """

    def __init__(self, original):
        self.original = original

    def apply(self, hidden, weight, bias, targets, *args):
        if takes_direct(hidden, weight):
            return direct_logprob(hidden, weight, bias, targets, *args)
        return self.original.apply(hidden, weight, bias, targets, *args)


def bf16_kernels() -> bool:
    """Whether oneDNN has bf16 matmul kernels on this CPU (False on AVX2 only, or with ONEDNN_MAX_CPU_ISA=AVX2)."""
    import torch

    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def takes_direct(hidden, weight) -> bool:
    """A CPU tensor, [N, V] logits under MAX_LOGITS_BYTES, and fp32, or bf16 where oneDNN computes it. Without bf16
    kernels, autograd's bf16 logits-gradient GEMM (inner dimension V) is ~100x slower than in fp32, which TRL's
    backward uses on a CPU (docs/results/2026-12-05-cpu-loss-head.md); that case keeps TRL's function."""
    import torch

    if hidden.device.type != "cpu" or hidden.shape[0] * weight.shape[0] * 4 > MAX_LOGITS_BYTES:
        return False
    dtype = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else hidden.dtype
    return dtype == torch.float32 or (dtype == torch.bfloat16 and bf16_kernels())


def direct_on_cpu() -> bool:
    """Install DirectOnCpu in TRL's fused head (idempotent); with WB_DIRECT_LOGPROB=0, put TRL's function back.
    True when installed."""
    import os

    from trl.trainer import utils

    current = utils._ChunkedLogProbFunction
    original = current.original if isinstance(current, DirectOnCpu) else current
    if os.environ.get(ENV_SWITCH, "1") == "0":
        utils._ChunkedLogProbFunction = original
        return False
    if not isinstance(current, DirectOnCpu):
        utils._ChunkedLogProbFunction = DirectOnCpu(original)
    return True


def cpu_loss_head() -> None:
    """Both CPU patches of TRL's fused loss head: compact scoring and the one-matmul head."""
    compact_on_cpu()
    direct_on_cpu()
