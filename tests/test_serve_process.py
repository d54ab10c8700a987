"""serve/process.py: a server started by ServeProcess dies with the process that started it, even when that
one is killed without cleanup (the llama-cpp backend's llama_cpp.server was left running otherwise)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from core.meta import ROOT


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_started_with_die_with_parent_ends_when_its_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time; from serve.process import die_with_parent; "
         "c = subprocess.Popen(['sleep', '120'], preexec_fn=die_with_parent); print(c.pid, flush=True); "
         "time.sleep(120)"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(child, 0)                       # running
    parent.send_signal(signal.SIGKILL)      # no cleanup code runs in the parent
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        try:  # reaped by init once it exits; a zombie still answers kill(0): check its state
            if open(f"/proc/{child}/stat").read().split()[2] == "Z":
                return
        except FileNotFoundError:
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the child outlived its killed parent")
