"""The generation benchmark runs end to end on the tiny model: continuous batching against fixed batches
against the seed's way, in the precision `auto` picks, with consistent counts."""
from __future__ import annotations


def test_bench_generate_compares_continuous_static_and_seed(tiny_model_dir, monkeypatch, tmp_path):
    from bench import bench_generate
    from core import precision

    monkeypatch.setenv("WB_CACHE", str(tmp_path))
    monkeypatch.setattr(precision, "probe", lambda: {"fp32_gflops": 50.0, "bf16_gflops": 1.0, "measured": 0.0})
    r = bench_generate.run(model=str(tiny_model_dir), items=5, n=2, max_new_tokens=6, batch_size=2, seed_items=2)
    assert r["precision"]["precision"] == "fp32" and r["settings"]["precision"] == "fp32"
    ours, static, seed = r["ours"], r["ours_static"], r["seed_method"]
    # refilling changes when rows run, not what they sample: the same tokens either way
    assert ours["tokens"] == static["tokens"] and ours["finish"] == static["finish"]
    assert ours["samples"] == static["samples"] == 10 and seed["samples"] == 2
    assert seed["tokens"] == 2 * 6  # the seed's way never stops before max_new_tokens
    assert r["ratio"] == round(ours["tokens_per_s"] / seed["tokens_per_s"], 2)
    assert r["continuous_ratio"] == round(ours["tokens_per_s"] / static["tokens_per_s"], 2)
