"""Generation on the tiny model: format, resume after SIGKILL, settings header, adapters, backends."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import UserError
from eval.generate import meta_path, run_generation
from eval.settings import GenSettings
from tests.eval_helpers import FIX, make_checkpoint, register_toy

ROOT = Path(__file__).resolve().parent.parent
SET = dict(n=2, max_new_tokens=6, batch_size=2, temperature=0.9, precision="fp32")


@pytest.fixture()
def toy(monkeypatch):
    return register_toy(monkeypatch)


def _gen(toy, model_dir, out, items=None, adapter=None, scale=1.0, **kw):
    from eval.backends.hf import HFBackend

    s = GenSettings(**{**SET, **kw})
    items = items or toy.load(FIX / "toy_eval.jsonl")
    ident = {"model": str(model_dir), "adapter": str(adapter), "scale": scale}
    factory = lambda: HFBackend(s, str(model_dir), adapter, scale, toy.stop_strings)  # noqa: E731
    return run_generation(toy, items, s, ident, out, factory, progress=False)


def _records(path):
    return sorted((json.loads(x) for x in Path(path).read_text().splitlines()), key=lambda r: (r["id"], r["sample"]))


def test_generation_writes_every_sample_once_and_reruns_without_loading(toy, tiny_model_dir, tmp_path):
    out = tmp_path / "g.jsonl"
    stats = _gen(toy, tiny_model_dir, out)
    recs = _records(out)
    assert [(r["id"], r["sample"]) for r in recs] == [(i, s) for i in ("a1", "a2", "c1", "c2") for s in (0, 1)]
    assert all(0 < r["n_tokens"] <= 6 and r["finish"] in ("eos", "stop", "length") for r in recs)
    assert stats["samples"] == 8 and stats["generated_tokens"] == sum(r["n_tokens"] for r in recs)
    assert json.loads(meta_path(out).read_text())["identity"]["settings"]["n"] == 2

    def boom():
        raise AssertionError("a finished file must not load a model")
    from eval.generate import run_generation as rg
    s = GenSettings(**SET)
    rg(toy, toy.load(FIX / "toy_eval.jsonl"), s, {"model": str(tiny_model_dir), "adapter": "None", "scale": 1.0},
       out, boom, progress=False)
    assert _records(out) == recs


def test_same_seed_same_samples_and_resume_with_other_settings_is_refused(toy, tiny_model_dir, tmp_path):
    _gen(toy, tiny_model_dir, tmp_path / "a.jsonl")
    _gen(toy, tiny_model_dir, tmp_path / "b.jsonl")
    assert _records(tmp_path / "a.jsonl") == _records(tmp_path / "b.jsonl")
    with pytest.raises(UserError, match="temperature"):
        _gen(toy, tiny_model_dir, tmp_path / "a.jsonl", temperature=0.5)


KILL_SCRIPT = r"""
import sys, time
sys.path.insert(0, {root!r})
from tests.toy_domain import ToyDomain
from eval.backends.hf import HFBackend
from eval.generate import run_generation
from eval.settings import GenSettings
dom = ToyDomain()
items = [dict(id=f"w{{i:02d}}", family="animals", prompt="say " + "word " * (i % 5) + str(i), answer="x")
         for i in range(12)]
s = GenSettings(n=2, max_new_tokens=5, batch_size=2, chunk=4, temperature=0.9, precision="fp32")
class Slow(HFBackend):
    def generate(self, prompts, seeds):
        out = super().generate(prompts, seeds)
        time.sleep(0.3)  # widen the window in which the test kills us
        return out
def main(out, model, backend=HFBackend):
    run_generation(dom, items, s, {{"model": model}}, out,
                   lambda: backend(s, model, None, 1.0, dom.stop_strings), progress=False)
if __name__ == "__main__":
    main(sys.argv[1], sys.argv[3], Slow if sys.argv[2] == "slow" else HFBackend)
"""


@pytest.mark.slow
def test_killed_generation_resumes_exactly(tiny_model_dir, tmp_path):
    script = tmp_path / "gen.py"
    script.write_text(KILL_SCRIPT.format(root=str(ROOT)))
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    full, cut = tmp_path / "full.jsonl", tmp_path / "cut.jsonl"
    import runpy

    # the uninterrupted reference runs in this process (one interpreter start less)
    ns = runpy.run_path(str(script), run_name="kill_ref")
    ns["main"](str(full), str(tiny_model_dir))
    proc = subprocess.Popen([sys.executable, str(script), str(cut), "slow", str(tiny_model_dir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        if cut.exists() and len(cut.read_bytes().splitlines()) >= 6:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(cut.read_bytes().splitlines())
    assert 6 <= partial < 24, "the kill must land mid-run"
    subprocess.run([sys.executable, str(script), str(cut), "fast", str(tiny_model_dir)], check=True, env=env,
                   capture_output=True)
    assert len(cut.read_text().splitlines()) == 24  # nothing lost, nothing repeated
    assert _records(cut) == _records(full)


def test_adapter_scale_is_applied_and_checked(toy, tiny_model_dir, tmp_path):
    import torch

    from eval.backends.hf import load_merged

    ckpt = make_checkpoint(tiny_model_dir, tmp_path / "run", 10)
    ids = torch.tensor([[1, 5, 9, 200, 31]])
    logits = {}
    for scale in (0.0, 0.5, 1.0):
        _, _, m, info = load_merged(str(tiny_model_dir), ckpt, scale)
        logits[scale] = m(ids).logits
        assert info["base_check"] == "match"
    _, _, base, _ = load_merged(str(tiny_model_dir))
    assert torch.allclose(logits[0.0], base(ids).logits, atol=1e-5)
    assert not torch.allclose(logits[0.5], logits[1.0], atol=1e-4)
    from peft import PeftModel
    from peft.helpers import rescale_adapter_scale
    from transformers import AutoModelForCausalLM

    pm = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), str(ckpt))
    with rescale_adapter_scale(pm, 0.5), torch.no_grad():
        assert torch.allclose(pm(ids).logits, logits[0.5], atol=1e-4)


@pytest.mark.parametrize("scale", [-0.1, 2.5])
def test_scale_outside_0_2_is_refused(toy, tiny_model_dir, tmp_path, scale):
    from eval.backends.hf import load_merged

    with pytest.raises(UserError, match="outside 0..2"):
        load_merged(str(tiny_model_dir), tmp_path, scale)


def test_adapter_on_another_base_and_without_weights_are_refused(tiny_model_dir, tmp_path):
    from core import models
    from eval.checkpoints import check_adapter

    ref = models.resolve(str(tiny_model_dir))
    other = make_checkpoint(tiny_model_dir, tmp_path / "a", 1, base_name="HuggingFaceTB/SmolLM2-360M")
    with pytest.raises(UserError, match="trained on base model 'HuggingFaceTB/SmolLM2-360M'"):
        check_adapter(other, ref)
    empty = make_checkpoint(tiny_model_dir, tmp_path / "b", 1, weights=False)
    with pytest.raises(UserError, match="no adapter weights"):
        check_adapter(empty, ref)


def test_missing_model_path_is_a_user_error(toy, tmp_path):
    from eval.backends.hf import HFBackend

    with pytest.raises(UserError, match="does not exist"):
        HFBackend(GenSettings(**SET), str(tmp_path / "nope"))


def test_vllm_backend_builds_requests_and_errors_clearly_when_missing(tiny_model_dir):
    from eval.backends import get_backend
    from eval.backends.vllm import build_requests, vllm_available

    s = GenSettings(n=3, temperature=0.2, top_p=0.9, max_new_tokens=50, backend="vllm")
    reqs = build_requests(["p1", "p2"], s, seeds=[7, 8], stop_strings=["\n\n", ""])
    assert reqs[1] == {"prompt": "p2", "sampling": {"n": 3, "temperature": 0.2, "top_p": 0.9, "max_tokens": 50,
                                                    "stop": ["\n\n"], "seed": 8}}
    if not vllm_available():
        with pytest.raises(UserError, match="vllm package is not installed"):
            get_backend(s, str(tiny_model_dir))


def test_decode_loop_matches_transformers_greedy(tokenizer, tiny_model_dir):
    """Shared prefill + KV repeat + dropping finished rows must not change what is generated."""
    import torch
    from transformers import AutoModelForCausalLM

    from eval.backends.decode import decode

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    prompts = ["hello there, how are", "a much longer prompt with many more words in it than the first one", "x"]
    enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    # pretend two frequent tokens are EOS so rows finish at different steps and get dropped mid-batch
    with torch.inference_mode():
        ref = model.generate(**enc, do_sample=False, max_new_tokens=12, pad_token_id=tokenizer.pad_token_id)
        new = ref[:, enc["input_ids"].shape[1]:].tolist()
        eos = {new[0][3], new[1][6]}
        toks, finish = decode(model, enc["input_ids"], enc["attention_mask"], 2, 12, 0.0, 1.0, eos, [1] * 6)
    for r, row in enumerate(toks):
        want = new[r // 2]
        cut = next((i + 1 for i, t in enumerate(want) if t in eos), len(want))
        assert row == want[:cut]
        assert finish[r] == ("eos" if cut < len(want) or want[-1] in eos else "length")
    assert len(toks[0]) <= 4 and len(toks[2]) <= 7


def test_top_p_keeps_the_smallest_set_reaching_p():
    import torch

    from eval.backends.decode import sample_next

    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    draws = {int(sample_next(logits, 1.0, 0.75, [torch.Generator().manual_seed(i)])[0]) for i in range(200)}
    assert draws == {0, 1}  # 0.5 < 0.75 <= 0.5 + 0.3
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert sample_next(logits, 0.7, 0.9, [g1]).item() == sample_next(logits, 0.7, 0.9, [g2]).item()


PROMPTS_CB = ["hello there, how are", "a much longer prompt with many more words in it than the first one", "x",
              "local function f(a, b) return a + b end", "minetest.register_node('mymod:stone', {",
              "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"]


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_continuous_batching_gives_the_same_samples_as_one_batch(tokenizer, tiny_model_dir, temperature):
    """Rows that join a running batch as others finish (max_rows < all rows) sample exactly what the
    same rows sample when the whole set runs as one batch: same tokens, same finish reasons."""
    import torch
    from transformers import AutoModelForCausalLM

    from eval.backends.decode import decode

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    enc = tokenizer(PROMPTS_CB, return_tensors="pt", padding=True, add_special_tokens=False)
    n, seeds = 2, list(range(100, 100 + 2 * len(PROMPTS_CB)))
    with torch.inference_mode():
        probe, _ = decode(model, enc["input_ids"], enc["attention_mask"], n, 16, temperature, 0.9, [], seeds)
        # two frequent tokens as EOS, so rows end at different steps and free their slots mid-run
        eos = {probe[0][2], probe[3][5]}
        one, f_one = decode(model, enc["input_ids"], enc["attention_mask"], n, 16, temperature, 0.9, eos, seeds)
        cont, f_cont = decode(model, enc["input_ids"], enc["attention_mask"], n, 16, temperature, 0.9, eos, seeds,
                              max_rows=4)
    assert cont == one and f_cont == f_one
    lengths = sorted(len(t) for t in one)
    assert lengths[0] < 16 and lengths[-1] == 16, "rows must end at different steps for the test to mean anything"


def test_continuous_batching_matches_transformers_greedy_per_prompt(tokenizer, tiny_model_dir):
    """Each prompt alone through transformers' generate = the same prompt in a continuous batch."""
    import torch
    from transformers import AutoModelForCausalLM

    from eval.backends.decode import decode

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    enc = tokenizer(PROMPTS_CB, return_tensors="pt", padding=True, add_special_tokens=False)
    with torch.inference_mode():
        toks, _ = decode(model, enc["input_ids"], enc["attention_mask"], 1, 10, 0.0, 1.0, [], [0] * len(PROMPTS_CB),
                         max_rows=2)
        for prompt, got in zip(PROMPTS_CB, toks):
            one = tokenizer([prompt], return_tensors="pt", add_special_tokens=False)
            ref = model.generate(**one, do_sample=False, max_new_tokens=10, pad_token_id=tokenizer.pad_token_id)
            assert got == ref[0, one["input_ids"].shape[1]:].tolist()


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_shared_prefix_cache_samples_what_the_plain_cache_samples(tokenizer, tiny_model_dir, temperature, monkeypatch):
    """The n samples of a prompt attending to one shared copy of its keys/values (eval.backends.shared_prefix)
    give the same tokens as n copies (the plain cache), with rows joining mid-run, rows dropped in the
    tail, suffix columns shifted out (ROOM=1 forces a shift every few steps). Greedy, the prompts go shortest
    first, so longer ones join later and the store is padded on the left: the padding changes the order of
    the floating-point sums in attention, which greedy decoding tolerates but sampling from this random
    tiny model's near-tied probabilities does not (seen: a sampled token flips at step 2 in the plain path
    itself), so sampling keeps an order with equal widths."""
    import torch
    from transformers import AutoModelForCausalLM

    from eval.backends import shared_prefix
    from eval.backends.decode import decode

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    assert shared_prefix.supported(model)
    prompts = PROMPTS_CB if temperature else sorted(
        PROMPTS_CB, key=lambda p: len(tokenizer(p, add_special_tokens=False)["input_ids"]))
    enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    n, seeds = 3, list(range(7, 7 + 3 * len(prompts)))
    calls, pads = [], []
    real_pad = shared_prefix.SharedPrefixRun._pad_prefix
    monkeypatch.setattr(shared_prefix.SharedPrefixRun, "_pad_prefix",
                        lambda self, extra: pads.append(extra) or real_pad(self, extra))
    real = shared_prefix.attention
    monkeypatch.setattr(shared_prefix, "attention", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(shared_prefix, "ROOM", 1)
    shifts = []
    real_shift = shared_prefix.SharedPrefixRun._shift_suffix
    monkeypatch.setattr(shared_prefix.SharedPrefixRun, "_shift_suffix",
                        lambda self: shifts.append(self.slen) or real_shift(self))
    with torch.inference_mode():
        probe, _ = decode(model, enc["input_ids"], enc["attention_mask"], n, 14, temperature, 0.9, [], seeds,
                          shared=False)
        eos = {probe[0][2], probe[4][6]}
        plain, f_plain = decode(model, enc["input_ids"], enc["attention_mask"], n, 14, temperature, 0.9, eos, seeds,
                                max_rows=6, shared=False)
        assert not calls
        shared, f_shared = decode(model, enc["input_ids"], enc["attention_mask"], n, 14, temperature, 0.9, eos,
                                  seeds, max_rows=6)
    assert calls and shifts, "the shared-prefix path (and its column shift) must have run"
    assert pads or temperature, "greedy: a longer prompt joined later and the store was padded on the left"
    assert shared == plain and f_shared == f_plain
    lengths = sorted(len(t) for t in plain)
    assert lengths[0] < 14 and lengths[-1] == 14


def test_shared_prefix_attention_equals_attention_over_the_whole_context():
    """The two-part attention merged by log-sum-exp = softmax attention over prompt + suffix keys, with
    padding masked, for grouped-query heads (9 query heads over 3 key/value heads)."""
    import types

    import torch

    from eval.backends import shared_prefix

    g = torch.Generator().manual_seed(0)
    n, groups, hkv, rep, dim, plen, slen = 2, 2, 3, 3, 8, 5, 4
    rows = n * groups
    pk, pv = torch.randn(groups, hkv, plen, dim, generator=g), torch.randn(groups, hkv, plen, dim, generator=g)
    sk, sv = torch.randn(rows, hkv, slen + 2, dim, generator=g), torch.randn(rows, hkv, slen + 2, dim, generator=g)
    pbias = torch.zeros(groups, plen)
    pbias[1, :2] = float("-inf")  # group 1's prompt is 2 tokens shorter (left padding)
    sbias = torch.zeros(rows, slen + 2)
    sbias[3, :2] = float("-inf")  # row 3 joined 2 steps later
    store = types.SimpleNamespace(pk=[pk], pv=[pv], sk=[sk], sv=[sv], pbias=pbias, sbias=sbias, n=n, width=n,
                                  slen=slen - 1,
                                  flat=torch.tensor([0, 1, 2, 3]), where=torch.tensor([0, 1, 2, 3]))
    view = shared_prefix._LayerView(store, 0)
    q = torch.randn(rows, hkv * rep, 1, dim, generator=g)
    got, _ = shared_prefix.attention(None, q, view, view, None, scaling=0.3)
    for r in range(rows):
        grp = r // n
        keys = torch.cat([pk[grp], sk[r, :, :slen]], 1).repeat_interleave(rep, 0)
        vals = torch.cat([pv[grp], sv[r, :, :slen]], 1).repeat_interleave(rep, 0)
        bias = torch.cat([pbias[grp], sbias[r, :slen]])
        w = ((q[r] @ keys.transpose(-1, -2)) * 0.3 + bias).softmax(-1)
        torch.testing.assert_close(got[r, 0], (w @ vals)[:, 0], rtol=1e-5, atol=1e-5)


def test_samples_stop_where_the_domain_says_the_answer_is_complete(toy, tiny_model_dir, tmp_path, monkeypatch):
    """A domain's answer_done predicate ends a sample early (finish 'answered', its text as scored);
    --no-stop-when-answered generates the full length."""
    seen = []

    def answer_done(item):
        return lambda text: seen.append(item["id"]) or len(text.strip()) >= 2
    monkeypatch.setattr(toy, "answer_done", answer_done, raising=False)
    recs = {}
    for stop in (True, False):
        out = tmp_path / f"g{stop}.jsonl"
        _gen(toy, tiny_model_dir, out, max_new_tokens=12, stop_when_answered=stop)
        recs[stop] = _records(out)
    early = [r for r in recs[True] if r["finish"] == "answered"]
    assert early and all(len(r["completion"].strip()) >= 2 for r in early)
    assert {i for i in seen} == {"a1", "a2", "c1", "c2"}
    assert not any(r["finish"] == "answered" for r in recs[False])
    assert sum(r["n_tokens"] for r in recs[True]) < sum(r["n_tokens"] for r in recs[False])
    for a, b in zip(recs[True], recs[False]):  # the same sample, cut where it was answered
        assert b["completion"].startswith(a["completion"].rstrip()) or a["finish"] != "answered"
