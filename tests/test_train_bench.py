"""The training benchmark runs end to end on a tiny model and reports consistent numbers; packed batches
do not leak attention across sequences (what makes packing's speed-up legitimate)."""
from __future__ import annotations

import pytest
import torch

from train_toy_domain import register, write_toy_data


@pytest.mark.slow
def test_bench_train_runs_on_tiny_model(monkeypatch, tmp_path, tiny_model_dir):
    from bench import bench_train

    register(monkeypatch)
    data = write_toy_data(tmp_path / "toy.jsonl", n=16)
    r = bench_train.run(model=str(tiny_model_dir), domain="toy", steps=2, items=16, train_data=str(data),
                        methods=("seed", "ours"),
                        overrides={"max_length": 96, "batch_size": 2, "layers": ""})  # the demo's 15-29: 30 layers
    seed, ours = r["methods"]["seed"], r["methods"]["ours"]
    assert seed["config"]["batching"] == "max_length" and ours["config"]["batching"] == "packed"
    assert ours["config"]["bf16"] and not seed["config"]["bf16"]
    # the seed pads every sequence to max_length : nearly every token it processes is padding
    c = seed["config"]
    assert seed["padded_positions"] == c["batch_size"] * c["grad_accum"] * c["max_length"] * seed["steps_timed"]
    assert seed["padded_positions"] > seed["tokens"] > seed["label_tokens"] > 0
    assert ours["tokens"] > ours["label_tokens"] > 0
    assert r["ratio"] == ours["label_tokens_per_s"] / seed["label_tokens_per_s"]


def test_packed_sequences_do_not_attend_to_each_other(tiny_model_dir):
    from transformers import AutoModelForCausalLM
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    a, b = [5, 6, 7, 8, 9], [11, 12, 13]
    alone = model(torch.tensor([b]), use_cache=False).logits
    batch = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)([{"input_ids": a},
                                                                                 {"input_ids": b}])
    batch.pop("labels")
    packed = model(**batch, use_cache=False).logits  # SFTTrainer.compute_loss forces use_cache=False
    assert torch.allclose(packed[:, len(a):], alone, atol=1e-5)
