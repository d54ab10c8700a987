"""kill -9 at a random point of scoring and of data building; the same command again finishes the job
with nothing lost or repeated, and the result equals an uninterrupted run (issue 7)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.luanti_helpers import needs_debian

ROOT = Path(__file__).resolve().parent.parent

SCORE_DRIVER = r"""
import sys, json
sys.path.insert(0, sys.argv[1])
import domains
from eval.score import run_scoring
d = domains.get("luanti")
items = {it["id"]: it for it in d.load(d.default_eval)}
run_scoring(d, items, sys.argv[2], sys.argv[3], n=int(sys.argv[4]), workers=1, progress=False)
"""


def _gold_and_broken_generations(path: Path, n: int) -> None:
    """n samples per eval item: the gold answer on even samples, a broken one on odd ones."""
    import domains

    d = domains.get("luanti")
    with open(path, "w") as fh:
        for it in d.load(d.default_eval):
            for s in range(n):
                text = d.reference(it) if s % 2 == 0 else d.reference(it).replace("end", "ned", 1) + "\n(("
                fh.write(json.dumps({"id": it["id"], "sample": s, "completion": text, "family": it["family"]}) + "\n")


def _stable(rec: dict) -> tuple:
    return rec["id"], rec["sample"], rec["status"], rec["level"], json.dumps(rec["levels"], sort_keys=True)


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _score(args, kill_at_line: int | None):
    """Run the scorer; with kill_at_line, SIGKILL it as soon as its output holds that many lines
    (an event, not a timer: a faster machine must not finish before the kill)."""
    proc = subprocess.Popen([sys.executable, "-c", SCORE_DRIVER, str(ROOT), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_at_line is None:
        assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()
        return
    out = Path(args[1])
    deadline = time.monotonic() + 600
    while proc.poll() is None and _lines(out) < kill_at_line and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


@pytest.mark.slow
def test_killed_scoring_resumes_exactly(tmp_path):
    n = 8
    gens = tmp_path / "generations.jsonl"
    _gold_and_broken_generations(gens, n)
    _score([str(gens), str(tmp_path / "full.jsonl"), str(n)], None)

    full = [json.loads(x) for x in (tmp_path / "full.jsonl").read_text().splitlines()]
    killed = tmp_path / "killed.jsonl"
    target = random.Random(os.getpid()).randint(len(full) // 10, len(full) // 2)
    _score([str(gens), str(killed), str(n)], kill_at_line=target)
    partial = _lines(killed)
    _score([str(gens), str(killed), str(n)], None)

    resumed = [json.loads(x) for x in killed.read_text().splitlines()]
    keys = [(r["id"], r["sample"]) for r in resumed]
    assert len(keys) == len(set(keys)) == len(full)  # nothing repeated, nothing lost
    assert sorted(map(_stable, resumed)) == sorted(map(_stable, full))
    assert 0 < sum(r["status"] == "ok" for r in full) < len(full)
    assert 0 < partial < len(full), f"the kill at line {target} did not land mid-run ({partial} lines)"


@needs_debian
@pytest.mark.slow
def test_killed_data_build_leaves_no_partial_file_and_rebuilds_identically(tmp_path):
    shipped = ROOT / "data" / "luanti"

    def build(out):
        return [sys.executable, "scripts/build_data.py", "--domain", "luanti", "--out", str(out)]

    t0 = time.monotonic()  # an uninterrupted build first: it times the kill below on this machine
    assert subprocess.run(build(tmp_path / "full"), cwd=ROOT, capture_output=True, timeout=900).returncode == 0
    took = time.monotonic() - t0

    out = tmp_path / "luanti"
    proc = subprocess.Popen(build(out), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(random.Random(os.getpid()).uniform(0.2, 0.8) * took)
    assert proc.poll() is None, f"the build finished within {took:.1f} s, before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    for f in out.rglob("*") if out.exists() else []:
        # A kill mid-write may leave a hidden .<name>.*.tmp (never read by anything); every file under
        # its real name must be finished, never torn.
        if f.is_file() and not (f.name.startswith(".") and f.name.endswith(".tmp")):
            assert f.read_bytes() == (shipped / f.relative_to(out)).read_bytes(), f
    assert subprocess.run(build(out), cwd=ROOT, capture_output=True, timeout=900).returncode == 0
    for name in ("train.jsonl", "eval.jsonl", "stats.json", "mit/train.jsonl", "copyleft/eval.jsonl"):
        assert (out / name).read_bytes() == (shipped / name).read_bytes() == \
            (tmp_path / "full" / name).read_bytes(), name
