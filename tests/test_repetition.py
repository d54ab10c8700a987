"""The repetition stop (eval.backends.repeating): loops are caught, no shipped reference answer is."""
from __future__ import annotations

from pathlib import Path

import pytest

import domains
from eval.backends import repeating

ROOT = Path(__file__).resolve().parent.parent


def test_a_repeated_field_is_a_loop():
    body = "minetest.register_node(\"mymod:stone\", {\n" + "\tdescription = \"Stone\",\n" * 8
    assert repeating(body)
    assert not repeating("minetest.register_node(\"mymod:stone\", {\n" + "\tdescription = \"Stone\",\n" * 7)


def test_alternating_and_longer_blocks_are_loops():
    assert repeating("x\n" + "a = 1,\nb = 2,\n" * 5)
    assert repeating("".join(f"tiles = {{}},\ngroups = {{}},\nwalkable = {i % 1},\n" for i in range(4)))
    assert repeating("a\nb\nc\nd\n" * 3)


def test_the_partial_last_line_and_blank_lines_do_not_count():
    assert not repeating("x = 1,\n" * 7 + "x = 1,")
    assert repeating("x = 1,\n\n" * 8)


def test_varied_lines_are_not_a_loop():
    text = "".join(f"\tfield_{i} = {i},\n" for i in range(40))
    assert not repeating(text)


@pytest.mark.parametrize("name", domains.names())
def test_no_shipped_reference_answer_looks_like_a_loop(name):
    dom = domains.get(name)
    hits, seen = [], 0
    for split in (dom.default_train, dom.default_eval):
        if not split or not (ROOT / split).exists():
            continue
        for item in dom.load(ROOT / split):
            seen += 1
            ref = dom.reference(item)
            if isinstance(ref, str) and repeating(ref + "\n"):
                hits.append(item["id"])
    assert seen, f"{name}: no shipped data found"
    assert not hits, f"{name}: references that the repetition stop would cut: {hits[:5]}"


def test_a_backend_that_cannot_stop_early_keeps_what_hf_would():
    """vLLM decodes to the end; trim_finished cuts its text where the hf backend's stops would have."""
    from eval.backends import trim_finished
    from eval.backends.vllm import finished_row

    head = "```lua\nminetest.register_node(\"mymod:stone\", {\n"
    loop = head + "\tdescription = \"Stone\",\n" * 30
    text, why = trim_finished(loop, loops=True)
    assert why == "repetition" and text == head + "\tdescription = \"Stone\",\n" * 8 and repeating(text)
    assert trim_finished(loop, loops=False) == (loop, None)

    dom = domains.get("luanti")
    item = dom.load(ROOT / dom.default_eval)[0]
    ref, done = f"Here it is:\n```lua\n{dom.reference(item).rstrip()}\n```\n", dom.answer_done(item)
    for tail in ("\nAnd some more prose after the answer.\n```lua\nprint(1)\n```\n", ""):
        text, why = trim_finished(ref + tail, done, loops=True)
        assert why == "answered" and text.rstrip("\n") == ref.rstrip("\n"), (tail, text[-80:])
        assert dom.validate(item, text).passed
    row = finished_row(ref + "\nmore", "length", None, 192, (), done, True)
    assert row["finish"] == "answered" and row["n_tokens"] == 192
    assert finished_row("no answer here", "stop", None, 5, ())["finish"] == "eos"
