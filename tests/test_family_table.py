"""Gate B prints pass@k per family with intervals (eval.cli.family_table)."""
from eval.cli import family_table


def _pk(values, items):
    return {f"pass@{k}": {"value": v, "ci95": [max(0.0, v - 0.1), min(1.0, v + 0.1)], "items": items}
            for k, v in values.items()}


def test_family_table_rows_and_values():
    res = {"pass_at_k": _pk({1: 0.25, 2: 0.3, 5: 0.5}, 8),
           "families": {"repair": {"pass_at_k": _pk({1: 0.0, 2: 0.0, 5: 0.0}, 4)},
                        "doc": {"pass_at_k": _pk({1: 0.5, 2: 0.6, 5: 1.0}, 4)}}}
    lines = family_table(res).splitlines()
    assert lines[0].split()[:2] == ["family", "items"] and "pass@1" in lines[0] and "pass@5" in lines[0]
    assert "pass@2" not in lines[0]
    assert [ln.split()[0] for ln in lines[1:]] == ["doc", "repair", "all"]
    assert "100.0% [90.0, 100.0]" in lines[1] and " 50.0% [40.0, 60.0]" in lines[1]
    assert lines[3].split()[1] == "8" and "25.0% [15.0, 35.0]" in lines[3]
