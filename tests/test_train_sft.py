"""Training on a tiny random Llama: adapter files, weights that change (LoRA) and don't (base), layer
restriction and the true trainable count, completion-only labels, loud failures, the backends' guards."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from core.errors import UserError
from training import config, runs
from training.run import train
from training.data import label_stats, require_labels
from train_toy_domain import register, write_toy_data

ADAPTER_FILES = {"adapter_config.json", "adapter_model.safetensors", "workbench.json", "trainer_state.json",
                 "optimizer.pt", "scheduler.pt", "rng_state.pth"}


@pytest.fixture()
def toy(monkeypatch, tmp_path):
    register(monkeypatch)
    return write_toy_data(tmp_path / "toy.jsonl")


@pytest.fixture(scope="module")
def deep_model_dir(tokenizer, tmp_path_factory):
    from core.tiny import make_tiny_model_dir

    return make_tiny_model_dir(tokenizer, tmp_path_factory.mktemp("tiny4"), layers=4)


def _cfg(tmp_path, model_dir, data, **kw):
    base = {"domain": "toy", "model_name_or_path": str(model_dir), "train_data": str(data),
            "out": str(tmp_path / "ad" / "toy" / kw.pop("run_name", "t")), "max_steps": 4, "save_steps": 2,
            "logging_steps": 1, "per_device_train_batch_size": 4, "max_length": 128, "learning_rate": 1e-2,
            "report_to": "none", "warmup_steps": 0.0}
    return config.resolve(None, {**base, **kw})


def test_train_writes_adapters_and_changes_only_lora(tmp_path, tiny_model_dir, toy):
    seen = {}

    def snapshot(trainer):
        seen["trainer"] = trainer
        seen["before"] = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}

    cfg = _cfg(tmp_path, tiny_model_dir, toy, report_to="tensorboard")
    record = train(cfg, on_ready=snapshot)
    after = dict(seen["trainer"].model.named_parameters())
    lora = [n for n in after if "lora_" in n]
    assert lora and all(not n.startswith("lora_") for n in after)
    assert any(not torch.equal(seen["before"][n], after[n]) for n in lora if "lora_B" in n), "LoRA B moved"
    frozen = [n for n in after if "lora_" not in n]
    assert all(torch.equal(seen["before"][n], after[n].detach()) for n in frozen), "base weights unchanged"

    out = runs.run_dir(cfg)
    assert record["status"] == "finished" and record["step"] == 4
    assert [p.name for p in runs.checkpoints(out)] == ["checkpoint-2", "checkpoint-4"]
    ckpt = out / "checkpoint-4"
    assert ADAPTER_FILES <= {p.name for p in ckpt.iterdir()}
    meta = json.loads((ckpt / "workbench.json").read_text())
    assert meta["step"] == 4 and meta["method"] == "sft" and meta["adapter"] == "LoRA" and meta["backend"] == "peft"
    assert meta["train_data"]["items"] == 24 and len(meta["train_data"]["sha256"]) == 64
    assert meta["config"]["lora_r"] == 16 and meta["base_model"]["kind"] == "local"
    assert 0 < meta["label_token_share"] < 1 and meta["git_commit"] and meta["versions"]["trl"]
    assert meta["trainable_params"] == sum(after[n].numel() for n in lora)
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "finished" and run["step"] == 4 and run["wall_time_s"] > 0
    logged = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged] == [1, 2, 3, 4]
    assert all(r["label_tokens_per_s"] > 0 and r["tokens_per_s"] >= r["label_tokens_per_s"] for r in logged)
    assert logged[-1]["eta_s"] == 0
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))


def test_adapter_loads_with_peft_and_differs_from_base(tmp_path, tiny_model_dir, toy):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    cfg = _cfg(tmp_path, tiny_model_dir, toy, max_steps=3)
    train(cfg)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    ref = base(ids).logits.detach()
    tuned = PeftModel.from_pretrained(base, runs.run_dir(cfg) / "checkpoint-3")
    assert not torch.allclose(tuned(ids).logits, ref)


def test_layer_restriction_with_all_linear(tmp_path, deep_model_dir, toy):
    """PEFT refuses layers_to_transform with its 'all-linear' keyword; the default preset must still work."""
    seen = {}
    cfg = _cfg(tmp_path, deep_model_dir, toy, layers="2-3", lora_target_modules="all-linear", max_steps=1)
    train(cfg, on_ready=lambda t: seen.update(model=t.model))
    lora_modules = {n.split(".lora_")[0] for n, _ in seen["model"].named_parameters() if ".lora_" in n}
    assert {int(n.split(".layers.")[1].split(".")[0]) for n in lora_modules} == {2, 3}
    assert {n.rsplit(".", 1)[-1] for n in lora_modules} == {
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def test_layer_restriction_and_true_trainable_count(tmp_path, deep_model_dir, toy):
    seen = {}
    cfg = _cfg(tmp_path, deep_model_dir, toy, layers="1-2", lora_target_modules="attention", max_steps=1)
    train(cfg, on_ready=lambda t: seen.update(model=t.model))
    model = seen["model"]
    lora_modules = {n.split(".lora_")[0] for n, _ in model.named_parameters() if ".lora_" in n}
    layers = {int(n.split(".layers.")[1].split(".")[0]) for n in lora_modules}
    assert layers == {1, 2}
    assert {n.rsplit(".", 1)[-1] for n in lora_modules} == {"q_proj", "k_proj", "v_proj", "o_proj"}
    lora_total = sum(p.numel() for n, p in model.named_parameters() if ".lora_" in n)
    meta = json.loads((runs.run_dir(cfg) / "checkpoint-1" / "workbench.json").read_text())
    # r=16, hidden 64, kv width 32: q,o = 16*(64+64), k,v = 16*(64+32); two layers
    assert meta["trainable_params"] == lora_total == 2 * (2 * 16 * 128 + 2 * 16 * 96)


def test_layer_beyond_model_depth_is_a_user_error(tmp_path, tiny_model_dir, toy):
    with pytest.raises(UserError, match="has 2 decoder layers"):
        train(_cfg(tmp_path, tiny_model_dir, toy, layers="19-23"))


def test_closing_eos_carries_a_label(tmp_path, tiny_model_dir, toy, tokenizer):
    seen = {}
    cfg = _cfg(tmp_path, tiny_model_dir, toy, batching="padded", max_steps=1)
    train(cfg, on_ready=lambda t: seen.update(ds=t.train_dataset))
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token != tokenizer.eos_token
    for ids, labels in zip(seen["ds"]["input_ids"], seen["ds"]["labels"]):
        last = max(i for i, tok in enumerate(ids) if tok == eos)
        assert labels[last] == eos, "the assistant turn's closing <|im_end|> is learnt"
        first_label = next(i for i, lab in enumerate(labels) if lab != -100)
        assert eos in ids[:first_label], "system/user turns are not labelled"
    stats = label_stats(seen["ds"], eos)
    assert stats["eos_labelled"] == 24 and 0 < stats["label_token_share"] < 1


def test_zero_label_share_fails_loudly(tmp_path, tiny_model_dir, toy):
    # 16 tokens hold only the system prompt: every completion is truncated away.
    with pytest.raises(UserError, match="label share 0|no training|truncated"):
        train(_cfg(tmp_path, tiny_model_dir, toy, max_length=16))
    assert not list((tmp_path / "ad").rglob("checkpoint-*")), "no partial output"


def test_require_labels_messages():
    stats = {"label_tokens": 0, "eos_labelled": 0}
    with pytest.raises(UserError, match="label share 0"):
        require_labels(stats, 10)
    with pytest.raises(UserError, match="closing EOS never carries a label"):
        require_labels({"label_tokens": 5, "eos_labelled": 0}, 10)


def test_rerunning_a_finished_run_trains_nothing_and_a_higher_max_steps_continues_it(tmp_path, tiny_model_dir, toy):
    """`make demo` run twice: the second gate C finds the run done (the Trainer alone would resume from
    the last checkpoint and train one step past max_steps, and save_total_limit would rotate that
    checkpoint away); raising --max-steps still continues it."""
    first = train(_cfg(tmp_path, tiny_model_dir, toy, max_steps=2, save_steps=2, save_total_limit=1))
    run = tmp_path / "ad" / "toy" / "t"
    log = (run / "log.jsonl").read_text()
    again = train(_cfg(tmp_path, tiny_model_dir, toy, max_steps=2, save_steps=2, save_total_limit=1))
    assert again["status"] == "finished" and again["step"] == first["step"] == 2
    assert sorted(p.name for p in run.glob("checkpoint-*")) == ["checkpoint-2"] and (run / "log.jsonl").read_text() == log
    more = train(_cfg(tmp_path, tiny_model_dir, toy, max_steps=3, save_steps=2, save_total_limit=1))
    assert more["step"] == 3 and sorted(p.name for p in run.glob("checkpoint-*")) == ["checkpoint-3"]
    # trained by epochs: the steps the Trainer planned for the same num_epochs
    by_epoch = {"max_steps": 0, "num_train_epochs": 1.0, "save_steps": 100, "run_name": "e"}
    first = train(_cfg(tmp_path, tiny_model_dir, toy, **by_epoch))
    ckpts = sorted(p.name for p in (tmp_path / "ad" / "toy" / "e").glob("checkpoint-*"))
    assert train(_cfg(tmp_path, tiny_model_dir, toy, **by_epoch))["step"] == first["step"] > 0
    assert sorted(p.name for p in (tmp_path / "ad" / "toy" / "e").glob("checkpoint-*")) == ckpts


@pytest.mark.parametrize("overrides, weights, attention", [
    ({}, torch.float32, "wb_packed_sdpa"),  # defaults: fp32 weights, the workbench's packed attention
    ({"dtype": "bfloat16", "attn_implementation": "eager"}, torch.bfloat16, "eager"),
    ({"dtype": "bfloat16", "use_peft": False, "batching": "padded", "attn_implementation": "sdpa"},
     torch.bfloat16, "sdpa"),
])
def test_model_config_dtype_and_attention_reach_the_loaded_model(tmp_path, tiny_model_dir, toy, overrides,
                                                                   weights, attention):
    """TRL ModelConfig's dtype and attn_implementation are what the trained model is loaded with (a named
    attention wins over the packed one); the run records the attention it trained with."""
    seen = {}
    record = train(_cfg(tmp_path, tiny_model_dir, toy, max_steps=1, **overrides), on_ready=lambda t: seen.update(
        base=next(p.dtype for n, p in t.model.named_parameters() if "lora_" not in n),
        lora=sorted({p.dtype for n, p in t.model.named_parameters() if "lora_" in n}, key=str),
        attention=t.model.config._attn_implementation))
    assert record["status"] == "finished"
    assert seen["base"] == weights and seen["attention"] == attention
    assert seen["lora"] == ([] if overrides.get("use_peft") is False else [torch.float32]), \
        "PEFT keeps the adapter in fp32 on a bf16 base"
    ckpt = tmp_path / "ad" / "toy" / "t" / "checkpoint-1"
    meta = json.loads((ckpt / "workbench.json").read_text())
    assert meta["attention"] == attention and meta["config"]["dtype"] == str(weights).split(".")[1]
    from core import models
    from eval.checkpoints import check_adapter

    kind = "full" if overrides.get("use_peft") is False else "adapter"
    assert check_adapter(ckpt, models.resolve(str(tiny_model_dir)))["kind"] == kind, "gates D and E read it"


def test_resume_refuses_changed_settings(tmp_path, tiny_model_dir, toy):
    train(_cfg(tmp_path, tiny_model_dir, toy, max_steps=2))
    with pytest.raises(UserError, match=r"different settings \(lora_r\)"):
        train(_cfg(tmp_path, tiny_model_dir, toy, max_steps=2, lora_r=4))
    # a finished run copied to another folder continues there with more steps (the original is left alone)
    shutil.copytree(tmp_path / "ad" / "toy" / "t", tmp_path / "ad" / "toy" / "more")
    more = train(_cfg(tmp_path, tiny_model_dir, toy, max_steps=3, run_name="more"))
    assert more["step"] == 3 and Path(more["resumed_from"]).name == "checkpoint-2"
    assert not (tmp_path / "ad" / "toy" / "t" / "checkpoint-3").exists()


@pytest.mark.parametrize("overrides, message", [({"backend": "unsloth"}, "needs a CUDA GPU"),
                                                ({"load_in_4bit": True}, "needs a CUDA GPU")])
def test_gpu_only_paths_refuse_cleanly_on_cpu(tmp_path, tiny_model_dir, toy, overrides, message):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(UserError, match=message):
        train(_cfg(tmp_path, tiny_model_dir, toy, **overrides))


def test_gpu_paths_import():
    from training import backends

    assert callable(backends.load_unsloth) and callable(backends.load_peft)
    import peft  # noqa: F401  (QLoRA's prepare_model_for_kbit_training lives here)
    assert hasattr(peft, "prepare_model_for_kbit_training")


@pytest.mark.gpu
def test_qlora_trains_on_gpu(tmp_path, tiny_model_dir, toy):
    record = train(_cfg(tmp_path, tiny_model_dir, toy, load_in_4bit=True, bf16=True, max_steps=2))
    assert record["step"] == 2


def test_missing_logger_package_is_a_user_error(tmp_path, tiny_model_dir, toy):
    import importlib.util

    if importlib.util.find_spec("wandb") is not None:
        pytest.skip("wandb is installed")
    with pytest.raises(UserError, match="needs the wandb package"):
        train(_cfg(tmp_path, tiny_model_dir, toy, report_to="wandb"))


@pytest.mark.parametrize("bf16, dtype", [(True, torch.bfloat16), (False, torch.float32)])
def test_bf16_autocast_is_active_on_cpu(tmp_path, tiny_model_dir, toy, bf16, dtype):
    seen = []

    def hook(trainer):
        proj = next(m for n, m in trainer.model.named_modules() if n.endswith("layers.0.mlp.down_proj.base_layer"))
        proj.register_forward_hook(lambda mod, inp, out: seen.append(out.dtype))

    train(_cfg(tmp_path, tiny_model_dir, toy, bf16=bf16, max_steps=1), on_ready=hook)
    assert seen and set(seen) == {dtype}


@pytest.mark.parametrize("figures, dtype", [({"fp32_gflops": 99.0, "bf16_gflops": 1.6}, torch.float32),
                                            ({"fp32_gflops": 190.0, "bf16_gflops": 642.0}, torch.bfloat16)])
def test_bf16_auto_follows_the_machine_and_is_recorded(tmp_path, tiny_model_dir, toy, monkeypatch, figures, dtype):
    from core import precision

    monkeypatch.setattr(precision, "cached_probe", lambda refresh=False: ({"cpu": "test"}, figures, True))
    seen = []

    def hook(trainer):
        proj = next(m for n, m in trainer.model.named_modules() if n.endswith("layers.0.mlp.down_proj.base_layer"))
        proj.register_forward_hook(lambda mod, inp, out: seen.append(out.dtype))

    cfg = _cfg(tmp_path, tiny_model_dir, toy, bf16="auto", max_steps=1)
    record = train(cfg, on_ready=hook)
    assert seen and set(seen) == {dtype}
    want = "bf16" if dtype == torch.bfloat16 else "fp32"
    assert record["precision"]["precision"] == want and record["precision"]["requested"] == "auto"
    meta = json.loads((runs.run_dir(cfg) / "checkpoint-1" / "workbench.json").read_text())
    assert meta["precision"]["precision"] == want and meta["config"]["bf16"] == "auto"


def test_loraplus_gives_lora_b_its_ratio_of_the_learning_rate(tmp_path, tiny_model_dir, toy):
    seen = {}
    cfg = _cfg(tmp_path, tiny_model_dir, toy, loraplus_lr_ratio=16, lr_scheduler_type="constant", max_steps=2)
    train(cfg, on_ready=lambda trainer: seen.setdefault("trainer", trainer))
    trainer = seen["trainer"]
    names = {id(p): n for n, p in trainer.model.named_parameters()}
    lrs = {}
    for group in trainer.optimizer.param_groups:
        for p in group["params"]:
            lrs[names[id(p)]] = group["lr"]
    a = {lr for n, lr in lrs.items() if "lora_A" in n}
    b = {lr for n, lr in lrs.items() if "lora_B" in n}
    assert len(a) == len(b) == 1 and a.pop() == pytest.approx(1e-2) and b.pop() == pytest.approx(16e-2)
    assert set(lrs) == {n for n, p in trainer.model.named_parameters() if p.requires_grad}
    # the optimizer state saved with the checkpoint resumes into the same groups
    more = train(_cfg(tmp_path, tiny_model_dir, toy, loraplus_lr_ratio=16, lr_scheduler_type="constant", max_steps=4))
    assert more["step"] == 4 and more["resumed_from"].endswith("checkpoint-2")


def test_loraplus_ratio_below_one_is_refused(tmp_path, tiny_model_dir, toy):
    with pytest.raises(UserError, match="loraplus_lr_ratio must be 0"):
        _cfg(tmp_path, tiny_model_dir, toy, loraplus_lr_ratio=0.5)


def test_lora_init_follows_the_seed_not_the_process_history(tmp_path, tiny_model_dir, toy):
    from training import backends

    def lora_a(**kw):
        _, _, model = backends.load(_cfg(tmp_path, tiny_model_dir, toy, **kw))
        return {n: p.detach().clone() for n, p in model.named_parameters() if "lora_A" in n}

    first = lora_a()
    torch.rand(1000)  # random numbers drawn in between (a probe, a shuffle) must not change the init
    again = lora_a()
    other = lora_a(seed=7)
    assert first and all(torch.equal(first[n], again[n]) for n in first)
    assert any(not torch.equal(first[n], other[n]) for n in first)


@pytest.mark.parametrize("option, marker", [("use_dora", "lora_magnitude_vector"), ("use_rslora", None)])
def test_dora_and_rslora_adapters(tmp_path, tiny_model_dir, toy, option, marker):
    seen = {}
    cfg = _cfg(tmp_path, tiny_model_dir, toy, max_steps=1, **{option: True})
    train(cfg, on_ready=lambda t: seen.update(model=t.model))
    adapter = json.loads((runs.run_dir(cfg) / "checkpoint-1" / "adapter_config.json").read_text())
    assert adapter[option] is True
    names = [n for n, p in seen["model"].named_parameters() if p.requires_grad]
    assert (marker is None) or any(marker in n for n in names)
    meta = json.loads((runs.run_dir(cfg) / "checkpoint-1" / "workbench.json").read_text())
    assert meta["adapter"] == {"use_dora": "DoRA", "use_rslora": "rsLoRA"}[option]


def test_full_fine_tuning_trains_every_weight(tmp_path, tiny_model_dir, toy):
    seen = {}

    def snapshot(trainer):
        seen["trainer"] = trainer
        seen["before"] = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}

    cfg = _cfg(tmp_path, tiny_model_dir, toy, use_peft=False, max_steps=1, learning_rate=1e-3)
    record = train(cfg, on_ready=snapshot)
    after = dict(seen["trainer"].model.named_parameters())
    assert not any("lora_" in n for n in after)
    assert record["trainable_params"] == sum(p.numel() for p in after.values())
    moved = [n for n in after if not torch.equal(seen["before"][n], after[n].detach())]
    assert "model.layers.0.self_attn.q_proj.weight" in moved and "model.embed_tokens.weight" in moved
    ckpt = runs.run_dir(cfg) / "checkpoint-1"
    assert (ckpt / "model.safetensors").is_file() and not (ckpt / "adapter_config.json").exists()


def test_eval_loss_on_held_out_items(tmp_path, tiny_model_dir, toy):
    cfg = _cfg(tmp_path, tiny_model_dir, toy, eval_items=4, eval_steps=2, max_steps=2, batching="padded")
    record = train(cfg)
    state = json.loads((runs.run_dir(cfg) / "checkpoint-2" / "trainer_state.json").read_text())
    evals = [h for h in state["log_history"] if "eval_loss" in h]
    assert evals and evals[-1]["step"] == 2 and evals[-1]["eval_loss"] > 0
    meta = json.loads((runs.run_dir(cfg) / "checkpoint-2" / "workbench.json").read_text())
    assert (meta["train_data"]["items"], meta["train_data"]["eval_items"]) == (20, 4) and record["step"] == 2
