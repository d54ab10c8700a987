"""Kill -9 after a checkpoint, rerun the same command: the step count and the loss curve continue."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from train_toy_domain import write_toy_data

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.slow


def _command(tmp_path, model_dir, data):
    return [sys.executable, str(HERE / "train_toy_driver.py"), "--domain", "toy", "--model-name-or-path", str(model_dir),
            "--train-data", str(data), "--out", str(tmp_path / "ad" / "toy" / "k"),
            "--max-steps", "12", "--save-steps", "3", "--logging-steps", "1", "--per-device-train-batch-size", "2",
            "--max-length", "128", "--report-to", "none"]


def _wait_for(path: Path, proc, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if path.is_file():
            return
        assert proc.poll() is None, proc.communicate()[0][-3000:]
        time.sleep(0.05)
    pytest.fail(f"{path} never appeared")


def test_killed_run_resumes_and_continues_steps(tmp_path, tiny_model_dir):
    data = write_toy_data(tmp_path / "toy.jsonl")
    cmd = _command(tmp_path, tiny_model_dir, data)
    run = tmp_path / "ad" / "toy" / "k"
    env = {**os.environ, "TOY_STEP_SLEEP": "0.4"}  # slow steps so the kill lands mid-run
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    _wait_for(run / "checkpoint-3" / "workbench.json", proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert json.loads((run / "run.json").read_text())["status"] == "running", "killed before the end"
    killed_at = max(json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines())
    assert 3 <= killed_at < 12

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "resuming from" in done.stdout and "checkpoint-" in done.stdout
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "finished" and record["step"] == 12
    assert Path(record["resumed_from"]).name.startswith("checkpoint-")
    steps = [json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 13)), "every step logged once, in order"
    assert len(steps) == len(set(steps))
    state = json.loads((run / "checkpoint-12" / "trainer_state.json").read_text())
    hist = [h["step"] for h in state["log_history"] if "loss" in h]
    assert hist == list(range(1, 13)), "the Trainer's loss curve continues without repeats"
    assert state["global_step"] == 12
    # save_total_limit 3: the oldest checkpoints were rotated away
    assert sorted(p.name for p in run.glob("checkpoint-*")) == ["checkpoint-12", "checkpoint-6", "checkpoint-9"]
