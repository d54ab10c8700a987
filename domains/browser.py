"""One headless Chromium kept alive across many pages, for validators that judge code by running it in a
browser (any domain whose answers are web pages or ES modules).

`BrowserPool(...).run_many(jobs)` hands page jobs to a Node worker (browser_driver.mjs, driving Debian's
`chromium` through playwright-core) that serves the given folders from 127.0.0.1 (the `cached` mounts
as immutable, so a library loads from cache after the first page), opens a fresh page per job in one of
`concurrency` browser contexts (each its own renderer process; a context whose page failed is replaced),
waits until the page says it is done or its time runs out, and returns what the page reported, its
uncaught errors, console errors, blocked requests (anything but the served origin), dialogs and
navigations, plus a screenshot.

Failure handling, so one hostile page never ends a run: a page over its time limit is closed by the
worker (status `timeout`); when the worker itself stops answering (a renderer it cannot close, a crash),
this side kills its whole process group, starts a fresh one and resubmits the pending pages once,
one at a time; a page that stalls a second time is `killed`. Results are per page, never an exception.

Forked scorer processes each start their own worker (the pool is bound to the process id).
What it does not do: decide anything about the page: that is the calling validator's job.
"""
from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from domains.base import ToolMissing

DRIVER = Path(__file__).with_name("browser_driver.mjs")
START_SECONDS = 180.0    # Chromium's first start; minutes only on an overloaded machine
STALL_MARGIN = 20.0      # the worker answers each page within its limit + this, or is killed


class BrowserPool:
    def __init__(self, node: str, chromium: str, playwright_dir: Path, mounts: dict, concurrency: int = 2,
                 viewport=(400, 300), js_heap_mb: int = 512, cached=()):
        self.cmd = [node, str(DRIVER), json.dumps({
            "playwright": str(playwright_dir), "chromium": chromium, "concurrency": int(concurrency),
            "mounts": {k: str(v) for k, v in mounts.items()}, "viewport": list(viewport),
            "js_heap_mb": js_heap_mb, "cached": list(cached)})]
        self.proc = None
        self.pid = None
        self.lines: queue.Queue = queue.Queue()
        self.restarts = 0
        self.version = ""

    # --- the worker process ---------------------------------------------------------------------
    def _start(self):
        self._stop()
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, bufsize=1, start_new_session=True)
        self.pid = os.getpid()
        self.lines = queue.Queue()
        threading.Thread(target=_pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        hello = self._read(START_SECONDS)
        if not hello or not hello.get("ready"):
            why = self._stderr_tail()
            self._stop()
            raise ToolMissing(f"the browser worker did not start ({why or 'no answer in %.0f s' % START_SECONDS})")
        self.version = hello.get("version", "")
        atexit.register(self._stop)

    def _stderr_tail(self) -> str:
        try:
            self.err.seek(0)
            return self.err.read().decode("utf-8", "replace").strip()[-800:]
        except (OSError, ValueError):
            return ""

    def _read(self, timeout: float):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if line is None else json.loads(line)

    def _stop(self):
        proc, self.proc = self.proc, None
        if proc is None or self.pid != os.getpid():
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()

    def close(self):
        self._stop()

    def alive(self) -> bool:
        return self.proc is not None and self.pid == os.getpid() and self.proc.poll() is None

    # --- jobs -----------------------------------------------------------------------------------
    def run_many(self, jobs: list[dict]) -> dict:
        """{job id: result} for every job (see browser_driver.mjs for both shapes)."""
        results, retry = self._submit(jobs)
        for job in retry:    # after a stall: alone on a fresh worker, so a second stall names its page
            one, again = self._submit([job])
            results.update(one)
            for j in again:
                results[j["id"]] = {"id": j["id"], "status": "killed", "page_errors": [], "console_errors": [],
                                    "blocked": [], "dialogs": [], "navigations": [],
                                    "detail": "the page stalled the browser twice; its worker was killed"}
        return results

    def _submit(self, jobs: list[dict]) -> tuple[dict, list[dict]]:
        if not jobs:
            return {}, []
        if not self.alive():
            self._start()
        pending = {j["id"]: j for j in jobs}
        try:
            for j in jobs:
                self.proc.stdin.write(json.dumps(j) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._stop()
            self.restarts += 1
            return {}, list(pending.values())
        results = {}
        limit = max(j.get("load_seconds", 60) + j["seconds"] for j in jobs) + STALL_MARGIN
        while pending:
            rec = self._read(limit)
            if rec is None:   # stalled or dead: kill it all, the caller resubmits what is left
                self._stop()
                self.restarts += 1
                return results, list(pending.values())
            if rec.get("id") in pending:
                del pending[rec["id"]]
                results[rec["id"]] = rec
        return results, []


def _pump(stream, q: queue.Queue):
    for line in stream:
        if line.strip():
            q.put(line)
    q.put(None)


def chromium_binary() -> str | None:
    """Debian's `chromium` (WB_CHROMIUM overrides)."""
    path = os.environ.get("WB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() and os.access(path, os.X_OK) else None


def node_binary() -> str | None:
    return os.environ.get("WB_NODE") or shutil.which("node")


def wait_all(pool: BrowserPool, jobs: list[dict]) -> tuple[dict, float]:
    """run_many plus its wall time (for the bench and the README's per-page figure)."""
    t0 = time.monotonic()
    out = pool.run_many(jobs)
    return out, time.monotonic() - t0
