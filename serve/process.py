"""`make serve` (or llama.cpp's server, `module=`) as a child process on 127.0.0.1, for what drives it
from outside (bench/bench_serve.py,
the tests of serve and teacher): `with ServeProcess([...serve.py flags...]) as url:` starts
scripts/serve.py on a free loopback port, waits until /v1/models answers, gives the /v1 URL, and stops
the process at the end (terminate, kill after 30 s). Its output goes to `log_file` (a temporary file by
default; `.output()` reads it). A server that exits or does not answer in `timeout` s is a UserError
naming the log.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from core.errors import UserError
from core.meta import ROOT


def die_with_parent() -> None:
    """preexec_fn: the child gets SIGTERM when its parent dies (Linux prctl PR_SET_PDEATHSIG). Why: the
    llama-cpp backend of scripts/serve.py starts llama_cpp.server as its child, and uvicorn re-raises the
    SIGTERM it caught after shutting down, so a `with` block's cleanup never ran and the child was left
    running (three such servers were found here after bench-serve runs and a test)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # 1 = PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    def __init__(self, args: list[str], log_file=None, timeout: float = 900, module: str | None = None):
        """`module`: run `python -m module` (e.g. llama_cpp.server, which takes --host/--port too)
        instead of scripts/serve.py."""
        self.port = free_port()
        entry = ["-m", module] if module else [str(ROOT / "scripts" / "serve.py")]
        self.cmd = [sys.executable, *entry, *args, "--host", "127.0.0.1", "--port", str(self.port)]
        self.log_file = Path(log_file) if log_file else Path(tempfile.mkstemp(prefix="serve-", suffix=".log")[1])
        self.timeout, self.proc, self.startup_s = timeout, None, None

    def __enter__(self) -> str:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "w") as log:
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                         preexec_fn=die_with_parent)
        url, t0 = f"http://127.0.0.1:{self.port}/v1", time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise UserError(f"the server exited with {self.proc.returncode} before answering; see {self.log_file}")
            if time.monotonic() - t0 > self.timeout:
                self.stop()
                raise UserError(f"the server did not answer /v1/models within {self.timeout:.0f} s; "
                                f"see {self.log_file}")
            try:
                with urllib.request.urlopen(url + "/models", timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        self.startup_s = round(time.monotonic() - t0, 1)
        return url

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc):
        self.stop()

    def output(self) -> str:
        return self.log_file.read_text(errors="replace")
