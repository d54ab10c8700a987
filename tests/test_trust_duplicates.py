"""Repeated items in every registered domain: one shape for duplicate records (domains/loading.py), and
the audit, check-refs and gate B (`baseline --limit 2` on the tiny model) all take a file with repeats.

Each domain gets a file made of its own shipped eval items: the first one, the second, the first again
(the same line twice: a repeated id) and the second again under a new id with `duplicate_of` written as
a bare id string (how Flutter's `prepare` wrote it, which crashed check-refs)."""
from __future__ import annotations

import json

import pytest

import domains
from core.files import shipped
from eval.audit import run_audit


def _rows(dom) -> list[dict]:
    with open(shipped(dom.default_eval), encoding="utf-8") as fh:
        lines = [json.loads(ln) for ln, _ in zip(fh, range(40))]
    first = lines[0]
    second = next((r for r in lines[1:] if r.get("family") != first.get("family")), lines[1])
    first = {**first, "id": first.get("id") or "first-item"}
    again = {**second, "id": "again-item", "duplicate_of": first["id"]}
    return [first, second, first, again]


@pytest.fixture()
def repeated(tmp_path):
    def make(name):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in _rows(domains.get(name))))
        return path
    return make


@pytest.mark.parametrize("name", domains.names())
def test_duplicate_records_have_one_shape(name, repeated):
    dom = domains.get(name)
    items = dom.load(repeated(name))
    first = items[0]["id"]
    dups = {it["line"]: it["duplicate_of"] for it in items if "duplicate_of" in it}
    assert dups[3] == {"id": first, "line": 1} and items[2]["id"] == f"{first}~2"
    # line 4: the bare-id record read into the same shape; a domain whose rows keep their id elsewhere
    # (mcp_tools' metadata) sees the second item's id repeated instead; a spec domain keeps unknown keys
    # among the item's own fields (sql), so line 4 is then a distinct item
    assert dups.get(4, {"id": first, "line": 1}) in ({"id": first, "line": 1}, {"id": items[1]["id"], "line": 2})
    assert len({it["id"] for it in items}) == 4


def test_a_bad_duplicate_record_is_a_schema_error_with_its_line(tmp_path):
    from core.errors import DataError

    dom = domains.get("flutter")
    rows = _rows(dom)[:1] + [{**_rows(dom)[1], "duplicate_of": 7}]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError, match=r"bad\.jsonl:2: field 'duplicate_of'"):
        dom.load(path)


@pytest.mark.parametrize("name", domains.names())
def test_audit_check_refs_and_gate_b_take_repeated_items(name, repeated, tmp_path, capsys, tiny_model_dir):
    import scripts.baseline as baseline
    from scripts.check_references import main as check_refs

    path = repeated(name)
    dom = domains.get(name)
    repeats = [it for it in dom.load(path) if "duplicate_of" in it]
    rep = run_audit(dom, path, None, tmp_path / "audit.json")
    assert len(rep["schema_warnings"]) == len(repeats) >= 1 and "line 3 " in rep["schema_warnings"][0]
    assert rep["duplicates"]["eval_count"] >= 1

    code = check_refs(["--domain", name, "--data", str(path)])
    out = capsys.readouterr().out
    assert code in (0, 1) and f"note: {len(repeats)} item(s) repeat an earlier one" in out, out
    assert all(f"line {it['line']} {it['id']} repeats" in out for it in repeats)

    gen = ["--domain", name, "--eval-data", str(path), "--train-data", "none", "--model", str(tiny_model_dir), "--limit", "2",
           "--n", "1", "--max-new-tokens", "4", "--precision", "fp32", "--workers", "1", "--quiet",
           "--out", str(tmp_path / "baseline")]
    assert baseline.main(gen) == 0
    res = json.loads((tmp_path / "baseline" / "results.json").read_text())
    assert res["data"]["items_read"] == 4 and res["data"]["items_selected"] == 2
