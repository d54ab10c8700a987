"""Score only the positions that carry a label in TRL's fused LM head, on every device.

Why: TRL's SFT loss projects hidden states through the output head in tiles (trl.kernels.chunked_logprob)
and, off Triton devices, scores every position of the batch so that tile shapes stay fixed for
compilers (Neuron); masked positions are then zeroed. On a CPU nothing is compiled, and with
completion-only loss ~75% of the Luanti demo's positions carry no label, so the head (49,152 x 576, run
forward, then again in backward) did ~4x the work needed: a third of a CPU training step, measured by
profiling it. TRL scores only labelled positions on Triton devices ("compact"); this makes it do so on
the CPU too. The loss and the logged metrics are the same (tests compare both ways).

What it does not change: the kernel itself, or anything on a GPU (where TRL already scores compactly).
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
