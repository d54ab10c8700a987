"""The server's continuous batching (serve.engine over eval.backends.continuous) on the tiny model:
concurrent requests share the decode loop and each gets the tokens it gets alone for its seed, a
request joins a running batch, a consumer that goes away frees its rows, streamed deltas add up to the
answer."""
from __future__ import annotations

import threading
import time

import pytest

import domains
from serve.engine import Cancelled, Engine, Request

ASKS = ["A node that glows", "A craft recipe for a stone sword",
        "An ABM that turns dirt to grass next to water", "A chat command /heal"]


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    """The tiny random Llama with its logits made 8x sharper (final norm scaled). Why: its next-token
    distribution is almost flat (logit std ~0.16 over 49k tokens), so the ~2e-7 differences in logits
    that batched matmuls' summation order makes (measured: rows alone vs in a batch) move a seeded
    draw to another token; a trained model's peaked distribution does not do that. Sharpened (std
    ~1.3; the samples of one request still differ), sampling at T 0.7-0.9 compares exactly, as greedy
    does. (40x made every sample the same token: the sampled test would then mean nothing.)"""
    import torch

    eng = Engine(domains.get("luanti"), str(tiny_model_dir), max_waiting=8, default_max_tokens=16)
    with torch.no_grad():
        eng.model.model.norm.weight.mul_(8.0)
    return eng


def _requests(sampled: bool) -> list[Request]:
    """Four requests that differ in prompt, n, length and seed; sampled ones mix two temperatures."""
    shape = [(1, 6), (2, 9), (1, 12), (3, 16)]
    return [Request(messages=[{"role": "user", "content": ask}], n=n, max_tokens=mt, seed=40 + i,
                    temperature=(0.9 if i % 2 else 0.7) if sampled else 0.0, top_p=0.9 if sampled else 1.0)
            for i, (ask, (n, mt)) in enumerate(zip(ASKS, shape))]


def _wait_for(cond, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _at_once(engine, reqs, on_delta=None):
    """Send `reqs` from threads while the engine is paused, so they all start at the same step."""
    out, errors = [None] * len(reqs), []

    def ask(i):
        try:
            out[i] = engine.generate(reqs[i], on_delta=on_delta(i) if on_delta else None)[0]
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(reqs))]
    with engine.paused():
        for t in threads:
            t.start()
        _wait_for(lambda: engine._waiting == len(reqs), "the requests to queue")
    for t in threads:
        t.join(timeout=300)
    return out, errors


@pytest.mark.parametrize("sampled", [False, True], ids=["greedy", "sampled"])
def test_four_concurrent_requests_get_what_they_get_alone(engine, sampled):
    reqs = _requests(sampled)
    alone = [engine.generate(r)[0] for r in reqs]
    engine.stats["peak_jobs"], prefills = 0, engine.stats["prefills"]
    together, errors = _at_once(engine, reqs)
    assert errors == []
    assert engine.stats["peak_jobs"] == 4, "the four requests must have decoded in one batch"
    assert engine.stats["prefills"] == prefills + 1, "placed at one step, they share one (padded) prefill"
    assert [[c["text"] for c in cs] for cs in together] == [[c["text"] for c in cs] for cs in alone]
    assert together == alone                      # finish reasons and token counts too
    lengths = sorted(c["n_tokens"] for cs in alone for c in cs)
    assert lengths[0] < lengths[-1], "rows must end at different steps for the test to mean anything"
    if sampled:
        assert len({c["text"] for c in alone[3]}) > 1, "the samples of one request must differ"


def test_streamed_deltas_of_concurrent_requests_add_up_to_each_answer(engine):
    reqs = _requests(sampled=True)
    seen: dict = {}

    def collect(i):
        def on_delta(index, text):
            seen.setdefault((i, index), []).append(text)
        return on_delta

    together, errors = _at_once(engine, reqs, collect)
    assert errors == []
    for i, choices in enumerate(together):
        for index, c in enumerate(choices):
            assert "".join(seen.get((i, index), [])) == c["text"]
    assert sum(len(v) > 1 for v in seen.values()) >= 4, "deltas must have been streamed, not sent whole"


def test_a_request_arriving_while_another_decodes_joins_the_batch(engine):
    first = Request(messages=[{"role": "user", "content": ASKS[0]}], max_tokens=40, temperature=0.0)
    second = Request(messages=[{"role": "user", "content": ASKS[1]}], max_tokens=8, temperature=0.8, seed=3)
    alone = [engine.generate(first)[0], engine.generate(second)[0]]
    engine.stats["peak_jobs"] = 0
    started, out = threading.Event(), {}
    deltas = []

    def on_delta(_, text):
        deltas.append(text)
        if len(deltas) == 3:
            started.set()

    t = threading.Thread(target=lambda: out.setdefault("first", engine.generate(first, on_delta)[0]))
    t.start()
    assert started.wait(300), "the first request never streamed"
    out["second"] = engine.generate(second)[0]
    t.join(timeout=300)
    assert engine.stats["peak_jobs"] == 2, "the second request must have joined the running batch"
    assert [out["first"], out["second"]] == alone


def test_a_consumer_that_goes_away_frees_its_rows(engine):
    gone = Request(messages=[{"role": "user", "content": ASKS[2]}], n=2, max_tokens=60, temperature=0.0)
    stays = Request(messages=[{"role": "user", "content": ASKS[3]}], max_tokens=40, temperature=0.0)
    alone = engine.generate(stays)[0]
    cancelled_before = engine.stats["cancelled"]
    after_cancel: list = []
    left = threading.Event()

    def consumer(i):
        def on_delta(_, __):
            if i == 0 and not left.is_set():
                left.set()
                raise Cancelled()       # what serve.api does once the client's stream is closed
            if i == 1 and left.is_set():
                after_cancel.append(engine.live_jobs())
        return on_delta

    out, errors = _at_once(engine, [gone, stays], consumer)
    assert [type(e) for e in errors] == [Cancelled] and out[0] is None
    assert out[1] == alone, "the request that stayed is not disturbed"
    assert engine.stats["cancelled"] == cancelled_before + 1
    assert after_cancel and after_cancel[-1] == 1, "the cancelled request's rows were freed"
    _wait_for(lambda: engine.live_jobs() == 0, "the engine to go idle")


def test_a_request_longer_than_the_batch_was_sized_for(engine, monkeypatch):
    """The server sizes a batch's generated-token store for a short answer (serve.engine); a longer
    one doubles the store instead of overrunning it, and decodes what a batch sized for it decodes."""
    from eval.backends import shared_prefix

    req = Request(messages=[{"role": "user", "content": ASKS[0]}], max_tokens=150, temperature=0.0)
    monkeypatch.setattr(engine, "default_max_tokens", 256)   # store sized for 150 tokens: no growth
    roomy = engine.generate(req)[0]
    monkeypatch.setattr(engine, "default_max_tokens", 16)    # 16 + 64 columns: must grow
    sizes = []
    real = shared_prefix.SharedPrefixRun._shift_suffix

    def spy(run):
        before = run.sbias.shape[1]
        real(run)
        sizes.append((before, run.sbias.shape[1]))
    monkeypatch.setattr(shared_prefix.SharedPrefixRun, "_shift_suffix", spy)
    assert engine.generate(req)[0] == roomy and roomy[0]["n_tokens"] == 150
    assert any(after == 2 * before for before, after in sizes), sizes
