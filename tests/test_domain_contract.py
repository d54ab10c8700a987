"""The one domain contract, walked over the registry (the SQL spec domain included): every domain's gold
passes every level, another item's gold fails with the status its validator gives a wrong answer, its
default training config exists and loads, and audit, check-refs and gate B (--limit 2, tiny model) run
on its shipped data. Plus: no domain name in the pipeline's folders but DEFAULT_DOMAIN."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import domains
from core.files import shipped
from eval.cli import stratified

ROOT = Path(__file__).resolve().parent.parent
# what a wrong answer (another item's gold) may be called; Luanti's runtime refuses a foreign mod prefix
WRONG = {"luanti": {"wrong_answer", "runtime_error"}}
NAMES = domains.names()


def _items(dom, n):
    return stratified(dom.load(shipped(dom.default_eval)), n)


# Where the wrong answer comes from: another item of the same family (a plausible answer to the wrong
# request), or for execution-judged SQL one of another family (two questions of one shape may share rows).
ACROSS_FAMILIES = {"sql"}


def _partner(name, dom, items, it):
    same = [o for o in items if o["family"] == it["family"] and dom.reference(o) != dom.reference(it)]
    other = [o for o in items if o["family"] != it["family"]]
    return (other + same if name in ACROSS_FAMILIES else same + other)[0]


@pytest.mark.parametrize("name", NAMES)
def test_gold_passes_every_level_and_another_items_gold_fails(name):
    dom = domains.get(name)
    items = _items(dom, 4)
    pool = dom.load(shipped(dom.default_eval))
    for it in items:
        gold = dom.validate(it, dom.reference(it))
        assert gold.passed and gold.levels and all(gold.levels.values()), (name, it["id"], gold)
        wrong = dom.validate(it, dom.reference(_partner(name, dom, pool, it)))
        assert not wrong.passed and wrong.status in WRONG.get(name, {"wrong_answer"}), (name, it["id"], wrong)


@pytest.mark.parametrize("name", NAMES)
def test_default_training_config_exists_and_loads(name):
    from training import config

    path = ROOT / domains.get(name).default_training_config()
    assert path.exists(), path
    cfg = config.resolve(path, {})
    assert domains.get(cfg.domain).name == name


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_audit_check_refs_and_baseline_run(name, tiny_model_dir, tmp_path, capsys):
    import scripts.audit as audit
    import scripts.baseline as baseline
    import scripts.check_references as check_refs

    dom = domains.get(name)
    picked = {it["line"] for it in _items(dom, 2)}
    lines = Path(shipped(dom.default_eval)).read_text(encoding="utf-8").splitlines()
    small = tmp_path / "eval.jsonl"
    small.write_text("".join(line + "\n" for i, line in enumerate(lines, 1) if i in picked), encoding="utf-8")
    assert check_refs.main(["--domain", name, "--data", str(small)]) == 0
    assert "gold ceiling 2/2" in capsys.readouterr().out
    assert audit.main(["--domain", name, "--eval-data", str(small), "--out", str(tmp_path / "audit.json")]) == 0
    assert json.loads((tmp_path / "audit.json").read_text())["gold_ceiling"]["passed"] == 2
    out = tmp_path / "baseline"
    assert baseline.main(["--domain", name, "--model", str(tiny_model_dir), "--eval-data", str(small), "--limit", "2",
                          "--n", "1", "--max-new-tokens", "8", "--out", str(out)]) == 0
    assert json.loads((out / "results.json").read_text())["domain"]["name"] == name


def test_no_domain_name_in_the_pipeline_but_the_default():
    names = [n for n in domains.REGISTRY if n != "sql"] + ["mcp", "three.js", "unity"]  # package names (minetest-server) may appear
    word = re.compile(r"(?<![\w/])(" + "|".join(map(re.escape, names)) + r")(?![\w])", re.I)
    # bench_pages.py is a benchmark of one domain's browser validator (cited by path in README.md)
    allowed = {"bench/bench_pages.py"}
    hits = []
    for folder in ("scripts", "eval", "env", "bench"):
        for path in sorted((ROOT / folder).rglob("*")):
            rel = str(path.relative_to(ROOT))
            if path.suffix not in (".py", ".sh") or rel in allowed:
                continue
            hits += [f"{rel}:{i}: {line.strip()}" for i, line in enumerate(path.read_text().splitlines(), 1)
                     if word.search(line)]
    assert not hits, "domain names outside domains/ (use domains.DEFAULT_DOMAIN):\n" + "\n".join(hits)
    assert re.search(r'^DEFAULT_DOMAIN = "\w+"', (ROOT / "domains" / "__init__.py").read_text(), re.M)
