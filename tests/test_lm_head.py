"""training/lm_head.py's one-matmul head against TRL's ChunkedLogProbFunction: the same log-probabilities,
optional outputs and gradients (fp32 and bf16 autocast), TRL's function above the memory cap, and the same
losses in a real tiny SFT run."""
from __future__ import annotations

import json

import pytest
import torch
from trl.kernels import ChunkedLogProbFunction
from trl.kernels.chunked_logprob import OPTIONAL_OUTPUTS
from trl.trainer import utils

from training import lm_head

N, H, V, CHUNK = 48, 32, 1000, 256  # 4 vocabulary tiles in TRL's function, the last one partial
# (temperature, softcap, logit_scale, bias): the plain head, then every transform at once
SETTINGS = [(1.0, None, 1.0, False), (0.7, 3.0, 0.5, True)]
# fp32: the same math in another order (measured max |diff| 5e-6). bf16: both round the projection to bf16, but
# TRL adds the bias after that rounding and rounds again (F.linear adds it before), so a logit can differ by one
# bf16 step; measured max |diff| 1.3e-2 in log-probs and gradients (of magnitude ~4), and one near-tie top-1 flip
TOL = {torch.float32: dict(atol=1e-5, rtol=1e-4), torch.bfloat16: dict(atol=3e-2, rtol=2e-2)}


@pytest.fixture()
def trl_head(monkeypatch):
    """TRL's own function in utils, whatever an earlier test installed; put back afterwards."""
    current = utils._ChunkedLogProbFunction
    monkeypatch.setattr(utils, "_ChunkedLogProbFunction", getattr(current, "original", current))
    return utils._ChunkedLogProbFunction


def _inputs(bias: bool, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    hidden = torch.randn(N, H, generator=g)
    weight = torch.randn(V, H, generator=g) / H ** 0.5 * 4
    b = torch.randn(V, generator=g) if bias else None
    targets = torch.randint(0, V, (N,), generator=g)
    targets[::3] = (hidden @ weight.T + (0 if b is None else b)).argmax(-1)[::3]  # some top-1 hits
    return hidden, weight, b, targets


def _run(fn, hidden, weight, bias, targets, setting, autocast: bool):
    temperature, softcap, scale, _ = setting
    leaves = [x.clone().requires_grad_() if x is not None else None for x in (hidden, weight, bias)]
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        out = fn(*leaves, targets, temperature, CHUNK, softcap, scale, OPTIONAL_OUTPUTS)
    g = torch.Generator().manual_seed(1)
    # weights on both differentiable outputs, so both gradient terms (log-prob and entropy) are compared
    (out[0] @ torch.randn(N, generator=g) + out[1] @ torch.randn(N, generator=g)).backward()
    return out, [x.grad for x in leaves if x is not None]


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("autocast", [False, True], ids=["fp32", "bf16-autocast"])
def test_direct_head_equals_trl(setting, autocast):
    hidden, weight, bias, targets = _inputs(setting[3])
    ref, ref_grads = _run(ChunkedLogProbFunction.apply, hidden, weight, bias, targets, setting, autocast)
    new, new_grads = _run(lm_head.direct_logprob, hidden, weight, bias, targets, setting, autocast)
    tol = TOL[torch.bfloat16 if autocast else torch.float32]
    for name, a, b in zip(("log_probs",) + OPTIONAL_OUTPUTS, ref, new):
        assert a.dtype == b.dtype and a.shape == b.shape == (N,), name
        if name == "is_top1":
            # under bf16 a near-tie can flip with the rounding; the hits planted by _inputs are not near-ties
            assert a.any() and (a == b).float().mean() >= (0.97 if autocast else 1.0), name
        else:
            assert torch.allclose(a, b, **tol), (name, (a - b).abs().max())
    assert len(ref_grads) == len(new_grads) == (3 if setting[3] else 2)
    for a, b in zip(ref_grads, new_grads):
        assert a.dtype == b.dtype and torch.allclose(a, b, **tol), (a - b).abs().max()


def test_is_top1_follows_trls_tie_rule():
    """Two vocabulary rows alike: the target counts as top-1 only if it is the first of the tied maxima."""
    hidden, weight, _, _ = _inputs(False)
    top = (hidden @ weight.T).argmax(-1)
    weight[V - 1] = weight[top[0]]  # a later copy of sample 0's best token
    targets = torch.tensor([top[0].item(), V - 1])
    args = (hidden[:1].repeat(2, 1), weight, None, targets, 1.0, CHUNK, None, 1.0, ("is_top1",))
    assert ChunkedLogProbFunction.apply(*args)[4].tolist() == [True, False]
    assert lm_head.direct_logprob(*args)[4].tolist() == [True, False]


def test_dispatch_falls_back_above_the_cap_or_without_bf16_kernels(trl_head, monkeypatch):
    calls = []

    class Counting:
        @staticmethod
        def apply(*args):
            calls.append("trl")
            return trl_head.apply(*args)
    monkeypatch.setattr(utils, "_ChunkedLogProbFunction", Counting)
    monkeypatch.delenv(lm_head.ENV_SWITCH, raising=False)
    assert lm_head.direct_on_cpu() and lm_head.direct_on_cpu()  # idempotent: wrapped once
    head = utils._ChunkedLogProbFunction
    assert isinstance(head, lm_head.DirectOnCpu) and head.original is Counting
    hidden, weight, _, targets = _inputs(False)
    args = (hidden, weight, None, targets, 1.0, CHUNK, None, 1.0, ("entropy",))
    small = head.apply(*args)
    assert calls == []  # N * V * 4 bytes = 192 kB, under the cap
    monkeypatch.setattr(lm_head, "MAX_LOGITS_BYTES", N * V * 4 - 1)
    large = head.apply(*args)
    assert calls == ["trl"]
    assert torch.allclose(small[0], large[0], atol=1e-5) and torch.allclose(small[1], large[1], atol=1e-5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        monkeypatch.setattr(lm_head, "MAX_LOGITS_BYTES", N * V * 4)
        monkeypatch.setattr(lm_head, "bf16_kernels", lambda: True)
        head.apply(*args)
        assert calls == ["trl"]  # bf16 with oneDNN's kernels: direct
        monkeypatch.setattr(lm_head, "bf16_kernels", lambda: False)
        head.apply(*args)
        assert calls == ["trl", "trl"]  # bf16 without them (AVX2 only): TRL's, whose backward GEMMs are fp32
    monkeypatch.setenv(lm_head.ENV_SWITCH, "0")
    assert not lm_head.direct_on_cpu() and utils._ChunkedLogProbFunction is Counting  # switched off: TRL's back


@pytest.mark.slow
def test_tiny_sft_run_has_the_same_losses_both_ways(trl_head, monkeypatch, tmp_path, tiny_model_dir):
    """Two optimiser steps of a real SFT run: the second step's loss also depends on the first's gradients."""
    from train_toy_domain import register, write_toy_data
    from training import config
    from training.run import train

    register(monkeypatch)
    data = write_toy_data(tmp_path / "toy.jsonl")
    direct = []
    real = lm_head.direct_logprob
    monkeypatch.setattr(lm_head, "direct_logprob", lambda *a: direct.append(a[0].shape[0]) or real(*a))
    losses = {}
    for switch in ("0", "1"):
        monkeypatch.setenv(lm_head.ENV_SWITCH, switch)
        cfg = config.resolve(None, {
            "domain": "toy", "model_name_or_path": str(tiny_model_dir), "train_data": str(data),
            "out": str(tmp_path / f"run{switch}"), "max_steps": 2, "save_steps": 10, "logging_steps": 1,
            "per_device_train_batch_size": 4, "max_length": 128, "learning_rate": 1e-2, "report_to": "none",
            "warmup_steps": 0.0, "bf16": "false"})
        n = len(direct)
        assert train(cfg)["status"] == "finished"
        assert (len(direct) > n) == (switch == "1")  # the direct head ran only when switched on
        log = (tmp_path / f"run{switch}" / "log.jsonl").read_text().splitlines()
        losses[switch] = [json.loads(line)["loss"] for line in log if "loss" in json.loads(line)]
    assert len(losses["0"]) == 2 and losses["0"] == pytest.approx(losses["1"], rel=1e-5)
