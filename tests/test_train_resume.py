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

from train_toy_domain import write_colour_data, write_toy_data

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


def _kill_after_checkpoint(cmd, env, run: Path, step: int = 3):
    """Start `cmd`, SIGKILL its process group once checkpoint-<step> is complete; the run is left mid-way."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    _wait_for(run / f"checkpoint-{step}" / "workbench.json", proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert json.loads((run / "run.json").read_text())["status"] == "running", "killed before the end"


def test_killed_run_resumes_and_continues_steps(tmp_path, tiny_model_dir):
    data = write_toy_data(tmp_path / "toy.jsonl")
    cmd = _command(tmp_path, tiny_model_dir, data)
    run = tmp_path / "ad" / "toy" / "k"
    env = {**os.environ, "TOY_STEP_SLEEP": "0.4"}  # slow steps so the kill lands mid-run
    _kill_after_checkpoint(cmd, env, run)
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


def _grpo_command(tmp_path, model_dir, data, out):
    return [sys.executable, str(HERE / "train_toy_driver.py"), "--domain", "toy", "--method", "grpo",
            "--model-name-or-path", str(model_dir), "--train-data", str(data), "--out", str(out),
            "--max-steps", "9", "--save-steps", "3", "--logging-steps", "1", "--per-device-train-batch-size", "4",
            "--num-generations", "4", "--max-completion-length", "4", "--temperature", "1.0",
            "--learning-rate", "1e-3", "--lr-scheduler-type", "constant", "--warmup-steps", "0",
            "--report-to", "none"]


def test_killed_grpo_run_resumes_with_the_same_prompts_and_steps(tmp_path, tiny_model_dir):
    """GRPO killed with SIGKILL after a checkpoint, rerun: it continues from that checkpoint and scores the
    prompts an uninterrupted run scores after it (none repeated, none skipped), each step logged once."""
    data = write_colour_data(tmp_path / "colours.jsonl", n=12)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    env = {**os.environ, "TOY_SEEN": str(tmp_path / "seen-whole.txt")}
    done = subprocess.run(_grpo_command(tmp_path, tiny_model_dir, data, whole), env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    reference = (tmp_path / "seen-whole.txt").read_text().split()
    assert len(reference) == 9 * 4, "9 steps x 1 prompt x 4 answers"

    cmd = _grpo_command(tmp_path, tiny_model_dir, data, killed)
    env = {**os.environ, "TOY_STEP_SLEEP": "0.5", "TOY_SEEN": str(tmp_path / "seen-killed.txt")}
    _kill_after_checkpoint(cmd, env, killed)

    env["TOY_SEEN"] = str(tmp_path / "seen-resumed.txt")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    record = json.loads((killed / "run.json").read_text())
    assert record["status"] == "finished" and record["step"] == 9
    start = int(Path(record["resumed_from"]).name.split("-")[1])
    assert start in (3, 6)
    assert (tmp_path / "seen-resumed.txt").read_text().split() == reference[4 * start:], \
        "the resumed run scores the prompts of steps start+1..9, in the uninterrupted run's order"
    steps = [json.loads(line)["step"] for line in (killed / "log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 10)), "every step logged once, in order"
    state = json.loads((killed / "checkpoint-9" / "trainer_state.json").read_text())
    assert [h["step"] for h in state["log_history"] if "reward" in h] == list(range(1, 10))
    assert record["grpo"]["trend"]["last"]["step"] == 9
