"""The GPU dry run: each shipped GPU config resolves, LoRA attaches on the meta-device model to exactly the
modules the config names, the parameter count is the public one, and the VRAM estimate adds up."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from training import dryrun

ROOT = Path(__file__).resolve().parent.parent
GPU_CONFIGS = sorted(p.name for p in (ROOT / "training").glob("*qlora.yaml") if "smollm2" not in p.name)


def test_every_shipped_gpu_config_has_an_architecture():
    assert {"gpt-oss-20b_luanti_qlora.yaml", "qwen2.5-coder-7b_luanti_qlora.yaml"} <= set(GPU_CONFIGS)


@pytest.fixture(scope="module")
def runs():
    return {name: dryrun.dry_run(ROOT / "training" / name) for name in GPU_CONFIGS}


@pytest.mark.slow
def test_gpt_oss_attention_lora_in_layers_19_to_23_on_the_prequantised_checkpoint_fits(runs):
    r = runs["gpt-oss-20b_luanti_qlora.yaml"]
    assert r["architecture"] == "GptOssForCausalLM" and 20.8e9 < r["params"]["params"] < 21.0e9   # "20.9B"
    assert r["lora"]["layers"] == [19, 20, 21, 22, 23]
    assert r["lora"]["modules"] == sorted(f"model.layers.{i}.self_attn.{m}" for i in range(19, 24)
                                          for m in ("q_proj", "k_proj", "v_proj", "o_proj"))
    # r=8 on q (2880->4096), k,v (2880->512), o (4096->2880), five layers
    assert r["lora"]["trainable_params"] == 5 * 8 * ((2880 + 4096) * 2 + (2880 + 512) * 2)
    # the declared path: Unsloth's checkpoint stores the stacked experts in NF4, so they count at 4 bits
    assert r["backend"] == "unsloth" and r["prequantised"]["experts"] and r["prequantised"]["loader"] == "unsloth"
    p = r["params"]
    assert p["params_experts_4bit"] == p["params_experts_3d"] > 19e9
    assert p["params_4bit"] + p["params_experts_4bit"] + p["params_fp32"] == p["params"]
    v = r["vram_gib"]
    assert v["weights_4bit"] == pytest.approx((p["params_4bit"] + p["params_experts_4bit"]) * dryrun.NF4_BYTES / 2**30, abs=0.01)
    assert v["weights_fp32"] == pytest.approx(p["params_fp32"] * 4 / 2**30, abs=0.01)
    assert v["total"] == pytest.approx(sum(x for k, x in v.items() if k != "total"), abs=0.02)
    assert r["rtx_3090"]["fits"] and r["if_experts_4bit"] is None and "this checkpoint" in r["seed_figure"]


@pytest.mark.slow
def test_gpt_oss_through_bitsandbytes_does_not_fit_and_a_mismatched_loader_is_refused():
    cfg = ROOT / "training" / "gpt-oss-20b_luanti_qlora.yaml"
    r = dryrun.dry_run(cfg, {"model_name_or_path": "openai/gpt-oss-20b", "backend": "peft"})
    # bitsandbytes quantises nn.Linear only: the stacked experts stay out of 4-bit, PEFT casts them to float32
    assert r["params"]["params_experts_3d"] > 19e9 and r["params"]["params_experts_4bit"] == 0
    assert not r["rtx_3090"]["fits"] and r["vram_gib"]["weights_fp32"] > 70
    assert r["if_experts_4bit"]["total"] < r["vram_gib"]["total"]
    with pytest.raises(UserError, match="pre-quantised for the unsloth loader .* set backend: unsloth"):
        dryrun.dry_run(cfg, {"backend": "peft"})


@pytest.mark.slow
def test_qwen_all_linear_lora_everywhere_and_the_estimate_adds_up(runs):
    r = runs["qwen2.5-coder-7b_luanti_qlora.yaml"]
    assert r["architecture"] == "Qwen2ForCausalLM" and 7.6e9 < r["params"]["params"] < 7.7e9
    assert len(r["lora"]["modules"]) == 28 * 7 and r["lora"]["layers"] == list(range(28))
    assert not any("lm_head" in m for m in r["lora"]["modules"])
    v = r["vram_gib"]
    assert v["total"] == pytest.approx(sum(x for k, x in v.items() if k != "total"), abs=0.02)
    assert v["lora_adamw"] == pytest.approx(r["lora"]["trainable_params"] * 16 / 2**30, abs=0.01)
    assert r["batch"]["tokens_per_micro_batch"] == 4 * 2048 and r["if_experts_4bit"] is None
    assert "8-12 GB" in r["seed_figure"]
    text = dryrun.report(r)
    assert "model.layers.0.mlp.down_proj" in text and f"total {v['total']:.2f} GiB" in text


@pytest.mark.slow
def test_the_estimate_moves_with_batch_and_an_unknown_model_is_refused():
    cfg = ROOT / "training" / "qwen2.5-coder-7b_luanti_qlora.yaml"
    small, big = (dryrun.dry_run(cfg, {"per_device_train_batch_size": b})["vram_gib"]["total"] for b in (1, 8))
    assert small < big
    with pytest.raises(UserError, match="estimates QLoRA configs .* trains LoRA"):
        dryrun.dry_run(cfg, {"load_in_4bit": False})
    with pytest.raises(UserError, match="no architecture for 'nobody/none'"):
        dryrun.dry_run(cfg, {"model_name_or_path": "nobody/none"})
