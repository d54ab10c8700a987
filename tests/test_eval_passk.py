"""pass@k estimator against hand-computed values, and the bootstrap intervals."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import UserError
from eval import passk

# 1 - C(5-c,k)/C(5,k), worked by hand: rows c = 0..5, columns k = 1..5
HAND = {
    0: [0.0, 0.0, 0.0, 0.0, 0.0],
    1: [0.2, 0.4, 0.6, 0.8, 1.0],
    2: [0.4, 0.7, 0.9, 1.0, 1.0],
    3: [0.6, 0.9, 1.0, 1.0, 1.0],
    4: [0.8, 1.0, 1.0, 1.0, 1.0],
    5: [1.0, 1.0, 1.0, 1.0, 1.0],
}


@pytest.mark.parametrize("c", range(6))
@pytest.mark.parametrize("k", range(1, 6))
def test_pass_at_k_hand_values(c, k):
    assert passk.pass_at_k(5, c, k) == pytest.approx(HAND[c][k - 1], abs=1e-12)


def test_pass_at_k_large_n_matches_binomials():
    from math import comb

    assert passk.pass_at_k(200, 13, 10) == pytest.approx(1 - comb(187, 10) / comb(200, 10), rel=1e-12)


@pytest.mark.parametrize("k", [0, 6, -1])
def test_k_outside_1_to_n_is_a_user_error(k):
    with pytest.raises(UserError, match="between 1 and n=5"):
        passk.pass_at_k(5, 1, k)
    with pytest.raises(UserError, match="between 1 and n=5"):
        passk.check_ks([1, k], 5)


def test_bootstrap_interval_brackets_mean_and_is_seeded():
    vals = np.array([0, 0.2, 0.4, 1, 1, 0.6, 0.8, 0, 1, 0.4])
    lo, hi = passk.bootstrap_ci(vals, 500, seed=3)
    assert lo < vals.mean() < hi
    assert (lo, hi) == passk.bootstrap_ci(vals, 500, seed=3)
    assert passk.bootstrap_ci(np.full(7, 0.4), 200) == pytest.approx((0.4, 0.4))


def test_table_per_family():
    items = {"a": {"family": "x", "n": 5, "c": 1}, "b": {"family": "y", "n": 5, "c": 4}}
    t = passk.table(items, [1, 2], n_boot=100)
    assert t["overall"]["pass@1"]["value"] == pytest.approx(0.5)
    assert t["families"]["x"]["pass@2"]["value"] == pytest.approx(0.4)
    assert t["families"]["y"]["pass@1"]["value"] == pytest.approx(0.8)


def test_paired_bootstrap_of_a_constant_gain():
    a = np.array([0.0, 0.2, 0.4, 0.6])
    res = passk.paired_bootstrap(a, a + 0.2, n_boot=300)
    assert res["gain"] == pytest.approx(0.2)
    assert res["ci95"] == pytest.approx([0.2, 0.2])
    assert res["p_gain_le_0"] == 0.0


def test_cell_formats_value_and_interval_or_says_na():
    from eval.passk import cell

    block = {"pass@5": {"value": 0.3889, "ci95": [0.2222, 0.5556]}}
    assert cell(block, 5) == "38.9% [22.2, 55.6]"
    assert cell(block, "pass@5", unit="") == "38.9 [22.2, 55.6]"
    assert cell(block, 1) == "n/a"


def test_table_has_a_slice_per_phrasing_style_only_when_items_record_one():
    from eval import passk

    items = {"a": {"family": "f", "n": 2, "c": 2, "style": "terse"},
             "b": {"family": "f", "n": 2, "c": 0, "style": "spec"},
             "c": {"family": "g", "n": 2, "c": 1, "style": "spec"}}
    t = passk.table(items, [1])
    assert set(t["styles"]) == {"terse", "spec"}
    assert t["styles"]["terse"]["pass@1"]["value"] == 1.0 and t["styles"]["spec"]["pass@1"]["value"] == 0.25
    assert t["styles"]["spec"]["pass@1"]["items"] == 2
    plain = {i: {k: v for k, v in it.items() if k != "style"} for i, it in items.items()}
    assert passk.table(plain, [1])["styles"] == {}


def test_stratified_gap_compares_within_strata_and_can_be_zero_or_negative():
    from eval.passk import stratified_gap

    # an easy and a hard family: the held-out group has more hard items, so a raw difference of means
    # would blame the register for the family mix; within families there is no gap at all
    held = {"easy": [1.0], "hard": [0.0, 0.0, 0.0]}
    seen = {"easy": [1.0, 1.0, 1.0], "hard": [0.0]}
    g = stratified_gap(held, seen, n_boot=200)
    assert g["gap"] == 0.0 and g["ci95"] == [0.0, 0.0]
    assert g["held"] == {"items": 4, "mean": 0.25} and g["seen"] == {"items": 4, "mean": 0.75}
    worse = stratified_gap({"easy": [0.0, 1.0], "hard": [0.0]}, seen, n_boot=500)
    assert worse["gap"] == pytest.approx(-1 / 3) and worse["ci95"][0] < worse["gap"] <= worse["ci95"][1] <= 0
    assert worse["weights"] == {"easy": pytest.approx(2 / 3), "hard": pytest.approx(1 / 3)}
    # a stratum with items on one side only says nothing; none shared: no gap at all
    assert stratified_gap({"a": [1.0], "b": [0.0]}, {"a": [1.0]})["strata"] == ["a"]
    assert stratified_gap({"a": [1.0]}, {"b": [1.0]}) is None
