"""Two-process DDP training on CPU through `accelerate launch` with the shipped cpu_ddp.yaml."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from train_toy_domain import write_toy_data

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.slow


def test_two_process_training(tmp_path, tiny_model_dir):
    data = write_toy_data(tmp_path / "toy.jsonl")
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file",
           str(HERE.parent / "training" / "accelerate" / "cpu_ddp.yaml"), str(HERE / "train_toy_driver.py"),
           "--domain", "toy", "--model", str(tiny_model_dir), "--train-data", str(data),
           "--output-dir", str(tmp_path / "ad"), "--run-name", "ddp", "--max-steps", "3", "--save-steps", "3",
           "--logging-steps", "1", "--batch-size", "2", "--max-length", "128", "--report-to", "none"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=HERE.parent)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert done.stdout.count("[train] finished at step 3") == 1, "one summary, from rank 0"
    run = tmp_path / "ad" / "toy" / "ddp"
    state = json.loads((run / "checkpoint-3" / "trainer_state.json").read_text())
    # 24 packed sequences, 2 per process: 3 steps cover 12 of them with 2 processes, 6 with one.
    step3 = next(h for h in state["log_history"] if h["step"] == 3)
    assert step3["epoch"] == pytest.approx(0.5)
    assert (run / "checkpoint-3" / "adapter_model.safetensors").is_file()
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
