"""make bench's comparison with llama.cpp, end to end on the tiny model: the same prompts and settings go
to gate B's sampler and to llama.cpp (the bindings, on an f16 GGUF of the same weights), and the figures
are consistent. Needs `make llama-cpp`; in CI (WB_REQUIRE_LLAMA_CPP=1, .ci/run) it must run."""
from __future__ import annotations

import os

import pytest

from bench import bench_llama
from core.errors import UserError

needs_llama = pytest.mark.skipif(not bench_llama.available() and os.environ.get("WB_REQUIRE_LLAMA_CPP") != "1",
                                 reason="llama-cpp-python is not installed (make llama-cpp)")


@pytest.mark.network  # the converter comes from the pinned sdist (cached after the first download)
@pytest.mark.slow
@needs_llama
def test_gate_b_and_llama_cpp_run_the_same_prompts_and_settings(tiny_model_dir, tmp_path, monkeypatch):
    from core import precision
    from deploy import gguf

    monkeypatch.setenv("WB_CACHE", str(tmp_path))
    monkeypatch.setattr(precision, "probe", lambda: {"fp32_gflops": 50.0, "bf16_gflops": 1.0, "measured": 0.0})
    f16 = tmp_path / "tiny-f16.gguf"
    gguf.convert(tiny_model_dir, f16, "f16")
    r = bench_llama.run(model=str(tiny_model_dir), items=3, n=2, max_new_tokens=5, ggufs=[str(f16)],
                        llama_items=2)
    ours, llama = r["ours"], r["llama_cpp"][str(f16)]
    assert ours["samples"] == 6 and llama["samples"] == 4 and r["llama_items"] == 2
    assert 0 < llama["tokens"] <= 4 * 5 and llama["gguf"] == "tiny-f16.gguf"
    assert sum(llama["finish"].values()) == 4 and set(llama["finish"]) <= {"stop", "length"}
    assert r["ratio"][str(f16)] == round(ours["tokens_per_s"] / llama["tokens_per_s"], 2)
    assert r["settings"]["n"] == 2 and r["settings"]["max_new_tokens"] == 5


def test_a_missing_gguf_and_missing_bindings_are_loud(monkeypatch, tmp_path):
    with pytest.raises(UserError, match="no such file"):
        bench_llama.gguf_file(str(tmp_path / "nope.gguf"))
    monkeypatch.setattr(bench_llama, "available", lambda: False)
    with pytest.raises(UserError, match="make llama-cpp"):
        bench_llama.run(model="unused")
