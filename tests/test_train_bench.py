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
                        overrides={"max_length": 96, "per_device_train_batch_size": 2, "layers": ""})  # the demo's 15-29: 30 layers
    seed, ours = r["methods"]["seed"], r["methods"]["ours"]
    assert seed["config"]["batching"] == "max_length" and ours["config"]["batching"] == "packed"
    assert (ours["config"]["bf16"], seed["config"]["bf16"]) == ("auto", "false")
    assert seed["precision"] == "fp32" and ours["precision"] in ("fp32", "bf16") and r["precision"] == ours["precision"]
    # the seed pads every sequence to max_length : nearly every token it processes is padding
    c = seed["config"]
    assert seed["padded_positions"] == c["per_device_train_batch_size"] * c["gradient_accumulation_steps"] * c["max_length"] * seed["steps_timed"]
    assert seed["padded_positions"] > seed["tokens"] > seed["label_tokens"] > 0
    assert ours["tokens"] > ours["label_tokens"] > 0
    assert r["ratio"] == ours["label_tokens_per_s"] / seed["label_tokens_per_s"]
    # FLOPs counted as executed (torch's FlopCounterMode), not 6N: a frozen base does no weight gradients
    assert 0 < ours["flops_per_position"] < 6 * ours["params"]
    assert r["ours_flops"] == ours["flops_per_position"] * ours["padded_positions"] / ours["seconds"]


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


def test_packed_attention_per_sequence_equals_the_masked_path(tiny_model_dir):
    """training/attention.py computes each packed sequence's attention on its own: logits and gradients
    equal those of transformers' SDPA with its block-diagonal mask, and of each sequence run alone."""
    from transformers import AutoModelForCausalLM
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    from training import attention

    seqs = [[5, 6, 7, 8, 9], [11, 12, 13], [21, 22, 23, 24, 25, 26, 27]]
    batch = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)([{"input_ids": s} for s in seqs])
    batch.pop("labels")
    results = {}
    for impl in ("sdpa", attention.NAME):
        model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
        if impl == attention.NAME:
            attention.enable(model)
        assert model.config._attn_implementation == impl
        logits = model(**batch, use_cache=False).logits
        logits.square().mean().backward()
        results[impl] = (logits.detach(), model.model.layers[0].self_attn.q_proj.weight.grad.clone())
    (ref, ref_grad), (new, new_grad) = results["sdpa"], results[attention.NAME]
    assert torch.allclose(new, ref, atol=1e-5) and torch.allclose(new_grad, ref_grad, atol=1e-6)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    alone = model(torch.tensor([seqs[2]]), use_cache=False).logits
    assert torch.allclose(new[:, len(seqs[0]) + len(seqs[1]):], alone, atol=1e-5)


def test_lm_head_scores_only_labelled_positions_with_the_same_loss(tiny_model_dir, monkeypatch):
    """training/lm_head.py: on a CPU, TRL's fused loss head scores the labelled positions only (not all),
    and loss, gradients and the logged metrics are unchanged."""
    from transformers import AutoModelForCausalLM
    from trl.trainer import utils
    from trl.trainer.utils import add_fused_lm_head

    from training import lm_head

    # TRL's own choice (an earlier training test in this process may have patched it already); undone after
    monkeypatch.setattr(utils, "_use_triton", getattr(utils._use_triton, "original", utils._use_triton))
    scored = []
    real = utils._ChunkedLogProbFunction

    class Counting:
        @staticmethod
        def apply(hidden, *args):
            scored.append(hidden.shape[0])
            return real.apply(hidden, *args)
    monkeypatch.setattr(utils, "_ChunkedLogProbFunction", Counting)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    add_fused_lm_head(model, outputs=("log_probs", "entropy", "is_top1"))
    ids = torch.arange(100, 124)[None]
    labels = ids.clone()
    labels[:, :16] = -100  # a prompt of 16 tokens, a completion of 8

    def run():
        model.zero_grad()
        out = model(input_ids=ids, labels=labels, fused_lm_head=True)
        loss = -out.log_probs.sum() / out.label_mask.sum()
        loss.backward()
        return loss.detach(), model.model.layers[1].mlp.up_proj.weight.grad.clone(), out.entropy.detach()

    full = run()
    assert lm_head.compact_on_cpu() and lm_head.compact_on_cpu()  # idempotent
    compact = run()
    assert scored == [23, 8]  # every shifted position, then the 8 labelled ones only
    for a, b in zip(full, compact):
        assert torch.allclose(a, b, atol=1e-6)
