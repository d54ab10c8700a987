"""eval/backends/few_rows.py: float32 linear layers with 2-16 rows take W @ x.T; same values as F.linear
up to float rounding, other cases untouched."""
from __future__ import annotations

import torch

from eval.backends import few_rows


def test_few_rows_linear_matches_f_linear_and_leaves_other_cases_alone():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(24, 40), torch.nn.ReLU(), torch.nn.Linear(40, 8, bias=False))
    xs = {rows: torch.randn(rows, 1, 24) for rows in (1, 2, 4, 16, 17)}
    want = {rows: model(x) for rows, x in xs.items()}
    assert few_rows.install(model) == 2
    for rows, x in xs.items():
        got = model(x)
        assert got.shape == want[rows].shape == (rows, 1, 8)
        torch.testing.assert_close(got, want[rows], rtol=1e-5, atol=1e-6)
        if rows in (1, 17):  # outside 2-16: the very same F.linear call, bit for bit
            assert torch.equal(got, want[rows])
    half = torch.nn.Linear(24, 40).to(torch.bfloat16)
    x = torch.randn(4, 24, dtype=torch.bfloat16)
    ref = half(x)
    few_rows.install(half)
    assert torch.equal(half(x), ref)  # bf16 keeps F.linear (the other order was not faster there)
