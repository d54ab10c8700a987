"""Gate A reports honestly: this CPU machine passes in CPU mode; a missing or drifted package fails."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "env"))
import gate_a  # noqa: E402


def test_every_lock_line_parses():
    for lock in (ROOT / "env").glob("*.lock"):
        pins, _ = gate_a.parse_lock(lock)
        assert pins, lock


def test_missing_and_drifted_packages_fail_with_hint(tmp_path):
    lock = tmp_path / "x.lock"
    lock.write_text("# python: 3.11\npytest==0.0.1\nno-such-package-xyz==1.0\n")
    check = gate_a.check_packages([lock], "cpu")
    assert not check.ok
    assert "no-such-package-xyz missing" in check.detail and "pytest" in check.detail
    assert check.hint == "make env STACK=cpu"


def test_bad_lock_line_names_file_and_line(tmp_path):
    lock = tmp_path / "x.lock"
    lock.write_text("torch==2.13.0\ntransformers>=5\n")
    with pytest.raises(SystemExit, match=r"x\.lock:2: expected 'name==version'"):
        gate_a.parse_lock(lock)


def test_local_cpu_build_matches_plain_pin():
    assert gate_a.same_version("2.13.0", "2.13.0+cpu")
    assert not gate_a.same_version("2.13.0", "2.13.1")
    assert not gate_a.same_version("2.13.0+cu121", "2.13.0+cpu")


def test_gpu_stack_without_cuda_fails():
    check = gate_a.check_accelerator("gpu", "auto")
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert not check.ok and "STACK=cpu" in check.hint


@pytest.mark.slow
def test_gate_a_passes_on_this_machine_in_cpu_mode(tmp_path):
    out = tmp_path / "gate_a.json"
    proc = subprocess.run([sys.executable, str(ROOT / "env" / "gate_a.py"), "--stack", "cpu", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CPU mode" in proc.stdout and "environment OK" in proc.stdout
    stamp = json.loads(out.read_text())
    assert stamp["passed"] and stamp["git_commit"]
    names = [c["name"] for c in stamp["checks"]]
    assert {"python", "packages", "accelerator", "disk+ram", "model", "domain"} <= set(names)
    assert any(n.startswith("data:") for n in names)


@pytest.mark.slow
def test_gate_a_fails_and_leaves_no_stamp_for_unknown_domain(tmp_path):
    out = tmp_path / "gate_a.json"
    proc = subprocess.run([sys.executable, str(ROOT / "env" / "gate_a.py"), "--domain", "nope", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "unknown domain 'nope'" in proc.stdout
    assert not out.exists() and (tmp_path / "gate_a.failed.json").exists()


@pytest.mark.slow
def test_gpu_stack_on_a_cpu_machine_explains_each_missing_piece(tmp_path):
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    proc = subprocess.run([sys.executable, str(ROOT / "env" / "gate_a.py"), "--stack", "gpu", "--out",
                           str(tmp_path / "gate_a.json")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    for piece in ("gpu:driver", "gpu:torch-cuda", "gpu:bitsandbytes"):
        i = next(k for k, line in enumerate(lines) if f"✗ {piece}" in line)
        assert "Why:" in lines[i] and lines[i + 1].strip().startswith("fix:"), lines[i:i + 2]
    assert "CPU-only build" in proc.stdout and "driver >= 570" in proc.stdout
    assert not (tmp_path / "gate_a.json").exists() and (tmp_path / "gate_a.failed.json").is_file()
