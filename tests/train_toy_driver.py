"""Runs scripts/train.py with the toy domain registered, for the subprocess tests (kill/resume, DDP).

TOY_STEP_SLEEP=<seconds> slows every optimiser step so a test can kill the run between checkpoints.
"""
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import train_toy_domain  # noqa: E402

train_toy_domain.register()

if os.environ.get("TOY_STEP_SLEEP"):
    from transformers import Trainer

    _step = Trainer.training_step

    def slow_step(self, *a, **kw):
        time.sleep(float(os.environ["TOY_STEP_SLEEP"]))
        return _step(self, *a, **kw)

    Trainer.training_step = slow_step

from scripts.train import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
