"""DPO on a tiny random Llama, continuing a tiny SFT adapter: checkpoints, resume, the margin of chosen over
rejected moving up, the reference staying the SFT adapter, the losses, and the pair file's checks."""
from __future__ import annotations

import json

import pytest
import torch

from core.errors import DataError, UserError
from core.files import atomic_write_jsonl
from training import config, dpo, runs
from training.run import train
from training.prefs import read_pairs
from train_toy_domain import ToyDomain, register, write_toy_data


@pytest.fixture(scope="module")
def sft_run(tiny_model_dir, tmp_path_factory):
    """A 2-step SFT run of the toy domain (module-wide: every DPO test continues it)."""
    mp = pytest.MonkeyPatch()
    register(mp)
    tmp = tmp_path_factory.mktemp("sft")
    data = write_toy_data(tmp / "toy.jsonl")
    cfg = config.resolve(None, {"domain": "toy", "model_name_or_path": str(tiny_model_dir), "train_data": str(data),
                                "out": str(tmp / "sft"), "max_steps": 2, "save_steps": 2,
                                "per_device_train_batch_size": 4, "max_length": 128, "learning_rate": 1e-2,
                                "report_to": "none", "lora_r": 4, "layers": "1", "lora_target_modules": "attention"})
    train(cfg)
    yield {"run": runs.run_dir(cfg), "data": data}
    mp.undo()


@pytest.fixture()
def toy(monkeypatch):
    register(monkeypatch)


def write_pairs(path, data, n: int = 12):
    dom, rows = ToyDomain(), []
    for item in [json.loads(line) for line in data.read_text().splitlines()][:n]:
        wrong = item["a"].replace("is ", "is not ", 1) + " Maybe."
        rows.append({"prompt": dom.messages(item), "chosen": dom.reference(item), "rejected": wrong})
    atomic_write_jsonl(path, rows)
    return path


def _cfg(tmp_path, tiny_model_dir, sft, **kw):
    base = {"domain": "toy", "model_name_or_path": str(tiny_model_dir), "method": "dpo", "sft_run": str(sft["run"]),
            "prefs_data": str(write_pairs(tmp_path / "pairs.jsonl", sft["data"])),
            "out": str(tmp_path / "dpo"), "batching": "padded", "max_steps": 4, "save_steps": 2,
            "logging_steps": 1, "per_device_train_batch_size": 4, "max_length": 128, "learning_rate": 5e-3,
            "warmup_steps": 0.0,
            "report_to": "none", "beta": 0.1}
    return config.resolve(None, {**base, **kw})


def test_dpo_continues_the_sft_adapter_and_raises_the_margin(tmp_path, tiny_model_dir, sft_run, toy, tokenizer):
    seen = {}

    def snapshot(trainer):
        seen["trainer"] = trainer
        seen["before"] = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
        seen["margin0"] = dpo.logp_margins(trainer.model, tokenizer, seen["rows"])
        trainer.model.train()

    cfg = _cfg(tmp_path, tiny_model_dir, sft_run)
    seen["rows"] = read_pairs(cfg.prefs_data)[0][:6]
    record = train(cfg, on_ready=snapshot)
    model = seen["trainer"].model
    after = dict(model.named_parameters())
    sft_ckpt = sft_run["run"] / "checkpoint-2"
    # the trainable adapter starts as the SFT adapter, the reference is its frozen copy
    from safetensors.torch import load_file

    sft_weights = load_file(sft_ckpt / "adapter_model.safetensors")
    assert {k.split(".lora_")[0].rsplit(".", 1)[0] for k in sft_weights} and cfg.lora_r == 4 and cfg.layers == "1"
    moved = [n for n in after if ".default." in n and not torch.equal(seen["before"][n], after[n].detach())]
    assert moved, "the continued adapter trained"
    assert all(torch.equal(seen["before"][n], after[n].detach()) for n in after if ".default." not in n), \
        "base and reference adapter frozen"
    ref_b = next(n for n in after if ".ref." in n and "lora_B" in n)
    assert torch.count_nonzero(after[ref_b]) > 0, "the reference is the trained SFT adapter, not a fresh one"

    margin1 = dpo.logp_margins(model, tokenizer, seen["rows"])
    assert sum(margin1) / len(margin1) > sum(seen["margin0"]) / len(seen["margin0"]) + 0.1

    out = runs.run_dir(cfg)
    assert record["status"] == "finished" and record["step"] == 4
    assert [p.name for p in runs.checkpoints(out)] == ["checkpoint-2", "checkpoint-4"]
    meta = json.loads((out / "checkpoint-4" / "workbench.json").read_text())
    assert meta["method"] == "dpo" and meta["dpo"]["sft_checkpoint"] == str(sft_ckpt)
    assert meta["dpo"]["pairs"]["pairs"] == 12 and meta["dpo"]["loss_type"] == ["sigmoid"]
    assert meta["train_data"]["path"] == str(sft_run["data"]), "gate D audits the SFT run's training items"
    run = json.loads((out / "run.json").read_text())
    assert run["dpo"]["margins"]["last"]["step"] == 4 and run["dpo"]["pairs"]["sha256"]


def test_dpo_checkpoint_loads_as_a_plain_adapter(tmp_path, tiny_model_dir, sft_run, toy):
    from eval.backends.hf import load_merged

    cfg = _cfg(tmp_path, tiny_model_dir, sft_run, max_steps=1)
    train(cfg)
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    tuned = load_merged(str(tiny_model_dir), runs.run_dir(cfg) / "checkpoint-1")[2]
    sft_model = load_merged(str(tiny_model_dir), sft_run["run"] / "checkpoint-2")[2]
    assert not torch.allclose(tuned(ids).logits, sft_model(ids).logits)


def test_dpo_resumes_and_continues_the_log(tmp_path, tiny_model_dir, sft_run, toy):
    train(_cfg(tmp_path, tiny_model_dir, sft_run, max_steps=2))
    record = train(_cfg(tmp_path, tiny_model_dir, sft_run, max_steps=3))
    assert record["resumed_from"].endswith("checkpoint-2") and record["step"] == 3
    lines = [json.loads(line) for line in (tmp_path / "dpo" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2, 3]
    assert all(r["tokens_per_s"] > 0 and "label_tokens_per_s" not in r for r in lines), "no labels in DPO"
    with pytest.raises(UserError, match=r"different settings \(beta\)"):
        train(_cfg(tmp_path, tiny_model_dir, sft_run, max_steps=3, beta=0.5))


@pytest.mark.parametrize("loss", ["hinge", "ipo"])
def test_dpo_losses_run(tmp_path, tiny_model_dir, sft_run, toy, loss):
    record = train(_cfg(tmp_path, tiny_model_dir, sft_run, max_steps=1, loss_type=loss))
    assert record["step"] == 1 and record["config"]["loss_type"] == [loss]


@pytest.mark.parametrize("overrides, message", [
    ({"sft_run": ""}, "method dpo needs sft_run"),
    ({"batching": "packed"}, "cannot pack"),
    ({"beta": 0}, "beta must be positive"),
    ({"method": "sft", "batching": "packed"}, "prefs_data only applies to method dpo")])
def test_dpo_config_errors(tmp_path, tiny_model_dir, sft_run, toy, overrides, message):
    with pytest.raises(UserError, match=message):
        _cfg(tmp_path, tiny_model_dir, sft_run, **overrides)


def test_dpo_needs_a_finished_sft_run(tmp_path, tiny_model_dir, sft_run, toy):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no complete checkpoint"):
        train(_cfg(tmp_path, tiny_model_dir, sft_run, **{"sft_run": str(tmp_path / "empty")}))


def test_pairs_file_checks_and_defects(tmp_path):
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps({"prompt": "Write hi", "chosen": "hi", "rejected": "ho"}) + "\n"
                 + json.dumps({"prompt": "Write hi", "chosen": "hi", "rejected": "ho"}) + "\n"
                 + json.dumps({"prompt": "Same", "chosen": "x", "rejected": " x "}) + "\n")
    rows, rec = read_pairs(p)
    assert rows == [{"prompt": [{"role": "user", "content": "Write hi"}],
                     "chosen": [{"role": "assistant", "content": "hi"}],
                     "rejected": [{"role": "assistant", "content": "ho"}]}]
    assert rec["defects"]["repeated"] == {"count": 1, "lines": [{"line": 2, "first": 1}]}
    assert rec["defects"]["chosen_equals_rejected"] == {"count": 1, "lines": [3]}
    p.write_text(json.dumps({"prompt": "a", "chosen": "b"}) + "\n")
    with pytest.raises(DataError, match=r"p.jsonl:1: missing rejected"):
        read_pairs(p)
    p.write_text(json.dumps({"prompt": [{"role": "assistant", "content": "a"}], "chosen": "b", "rejected": "c"}))
    with pytest.raises(DataError, match=r":1: 'prompt' must end with a user message"):
        read_pairs(p)
