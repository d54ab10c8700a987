"""Precision per machine (core/precision.py): the choice from given probe figures, the cache, explicit
requests, and what generation and training do with `auto`. No test here times anything."""
from __future__ import annotations

import json

import pytest

from core import precision
from core.errors import UserError

AVX2 = {"fp32_gflops": 99.0, "bf16_gflops": 1.6}      # no native bf16: bf16 ~60x slower (measured)
AMX = {"fp32_gflops": 190.0, "bf16_gflops": 642.0}    # native bf16: ~3.4x faster (measured)


@pytest.mark.parametrize("figures, want", [
    (AVX2, "fp32"), (AMX, "bf16"),
    ({"fp32_gflops": 100.0, "bf16_gflops": 110.0}, "fp32"),   # faster, but within the margin: not worth it
    ({"fp32_gflops": 100.0, "bf16_gflops": 120.0}, "bf16"),   # exactly the margin
    (None, "fp32"),                                            # nothing measured: the safe choice
])
def test_auto_picks_bf16_only_where_it_measured_faster(figures, want):
    chosen, reason = precision.choose(figures)
    assert chosen == want and reason


def test_cuda_choice_follows_device_support():
    assert precision.choose(None, "cuda", cuda_bf16=True)[0] == "bf16"
    assert precision.choose(AVX2, "cuda", cuda_bf16=False)[0] == "fp32"


@pytest.fixture()
def fake_probe(monkeypatch, tmp_path):
    """The probe returns given figures and counts its calls; the cache lives in tmp_path."""
    monkeypatch.setenv("WB_CACHE", str(tmp_path))
    calls = []

    def probe():
        calls.append(1)
        return dict(state["figures"], measured=0.0)
    state = {"figures": AVX2}
    monkeypatch.setattr(precision, "probe", probe)
    monkeypatch.setattr(precision, "_cuda", lambda: (False, False))
    return state, calls


def test_probe_is_cached_per_machine_and_refreshed_on_request(fake_probe, tmp_path):
    state, calls = fake_probe
    first = precision.resolve("auto")
    assert first["precision"] == "fp32" and not first["probe_cached"] and len(calls) == 1
    again = precision.resolve("auto")
    assert again["probe_cached"] and len(calls) == 1
    cached = list((tmp_path / "precision").glob("*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text())["probe"]["bf16_gflops"] == 1.6
    state["figures"] = AMX  # the machine changed (gate A always measures afresh)
    assert precision.resolve("auto", refresh=True)["precision"] == "bf16" and len(calls) == 2
    cached[0].write_text("{not json")  # a damaged cache is measured again, not trusted
    assert precision.resolve("auto")["precision"] == "bf16" and len(calls) == 3


def test_explicit_request_wins_and_is_recorded(fake_probe):
    c = precision.resolve("bf16")
    assert c["precision"] == "bf16" and c["requested"] == "bf16" and c["reason"] == "asked for bf16"
    assert c["probe"]["bf16_gflops"] == 1.6  # the evidence is still recorded beside the override
    with pytest.raises(UserError, match="expected one of auto, bf16, fp32"):
        precision.resolve("fp16")


@pytest.mark.parametrize("figures, dtype", [(AVX2, "float32"), (AMX, "bfloat16")])
def test_generation_auto_uses_the_chosen_precision(fake_probe, tokenizer, tiny_model_dir, figures, dtype):
    from eval.backends.hf import HFBackend
    from eval.pipeline import resolve_precision
    from eval.settings import GenSettings

    fake_probe[0]["figures"] = figures
    settings, choice = resolve_precision(GenSettings(precision="auto"))
    assert settings.precision == choice["precision"] == dtype.replace("float32", "fp32").replace("bfloat16", "bf16")
    assert choice["requested"] == "auto" and "GFLOP/s" in choice["reason"]
    backend = HFBackend(GenSettings(precision="auto"), str(tiny_model_dir))
    assert str(backend.model.dtype) == f"torch.{dtype}"


def test_cpu_facts_name_the_capability():
    facts = precision.cpu_facts()
    assert facts["capability"] and facts["threads"] >= 1 and isinstance(facts["native_bf16_flags"], list)
