"""The generation benchmark runs end to end on the tiny model: shared-prefix KV cache against n copies
against the seed's way, in the precision `auto` picks, with consistent counts."""
from __future__ import annotations

import pytest


@pytest.mark.slow
def test_bench_generate_compares_shared_plain_and_seed(tiny_model_dir, monkeypatch, tmp_path):
    from bench import bench_generate
    from core import precision

    monkeypatch.setenv("WB_CACHE", str(tmp_path))
    monkeypatch.setattr(precision, "probe", lambda: {"fp32_gflops": 50.0, "bf16_gflops": 1.0, "measured": 0.0})
    r = bench_generate.run(model=str(tiny_model_dir), items=5, n=2, max_new_tokens=6, batch_size=2, seed_items=2)
    assert r["precision"]["precision"] == "fp32" and r["settings"]["precision"] == "fp32"
    ours, plain, seed = r["ours"], r["ours_plain_cache"], r["seed_method"]
    # sharing the prompt's keys/values changes the memory read, not what rows sample: the same tokens
    assert ours["tokens"] == plain["tokens"] and ours["finish"] == plain["finish"]
    assert ours["samples"] == plain["samples"] == 10 and seed["samples"] == 2
    assert ours["prompt_tokens"] > 0
    assert seed["tokens"] == 2 * 6  # the seed's way never stops before max_new_tokens
    assert r["ratio"] == round(ours["tokens_per_s"] / seed["tokens_per_s"], 2)
    assert r["shared_prefix_ratio"] == round(ours["tokens_per_s"] / plain["tokens_per_s"], 2)
