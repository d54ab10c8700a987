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

Containment (docs/containment.md): the page's code reaches nothing but the served origin. The worker,
its page server and the browser start in a network namespace of their own (`unshare -n`, loopback only)
when this machine allows it; the driver adds a dead proxy (with `<-loopback>`) and WebRTC's
`disable_non_proxied_udp` in every mode. WB_BROWSER_CONTAINMENT chooses: `auto` (default: the namespace,
else the proxy alone with a warning on stderr), `netns` (the namespace or ToolMissing), `proxy`.
Every result names the containment it ran under.

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
import sys
import time
from functools import lru_cache
from pathlib import Path

from domains import sandbox
from domains.base import ToolMissing

DRIVER = Path(__file__).with_name("browser_driver.mjs")
START_SECONDS = 180.0    # Chromium's first start; minutes only on an overloaded machine
STALL_MARGIN = 20.0      # the worker answers each page within its limit + this, or is killed
MODES = ("auto", "netns", "proxy")
NETNS_HINT = ("run as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), "
              "with util-linux `unshare` and iproute2 `ip` installed")


class BrowserPool:
    def __init__(self, node: str, chromium: str, playwright_dir: Path, mounts: dict, concurrency: int = 2,
                 viewport=(400, 300), js_heap_mb: int = 512, cached=(), stall_margin: float = STALL_MARGIN,
                 containment: str | None = None):
        self.containment, prefix = choose_containment(containment)
        self.cmd = prefix + [node, str(DRIVER), json.dumps({
            "playwright": str(playwright_dir), "chromium": chromium, "concurrency": int(concurrency),
            "mounts": {k: str(v) for k, v in mounts.items()}, "viewport": list(viewport),
            "js_heap_mb": js_heap_mb, "cached": list(cached), "containment": self.containment})]
        self.stall_margin = float(stall_margin)
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
        limit = max(j.get("load_seconds", 60) + j["seconds"] for j in jobs) + self.stall_margin
        while pending:
            rec = self._read(limit)
            if rec is None:   # stalled or dead: kill it all, the caller resubmits what is left
                self._stop()
                self.restarts += 1
                return results, list(pending.values())
            if rec.get("id") in pending:
                del pending[rec["id"]]
                results[rec["id"]] = dict(rec, containment=self.containment)
        return results, []


def _pump(stream, q: queue.Queue):
    for line in stream:
        if line.strip():
            q.put(line)
    q.put(None)


def _netns_prefix() -> list[str]:
    return sandbox.netns_prefix(loopback=True)


@lru_cache(maxsize=1)
def netns_problem() -> str | None:
    """None when a network namespace can be made here, else why not (checked once per process)."""
    missing = [tool for tool in ("unshare", "ip") if not shutil.which(tool)]
    if missing:
        return f"{' and '.join(missing)} not found"
    if not sandbox.isolation():
        return sandbox.available()[1]
    probe = subprocess.run(_netns_prefix() + ["ip", "-o", "link", "show"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return (probe.stderr.strip() or f"exit code {probe.returncode}")[-300:]
    links = probe.stdout.strip().splitlines()
    if len(links) != 1 or " lo:" not in links[0] or "UP" not in links[0].split(">")[0]:
        return f"the namespace does not hold loopback alone: {probe.stdout.strip()[:300]}"
    return None


def choose_containment(mode: str | None = None) -> tuple[str, list[str]]:
    """('netns' or 'proxy', the command prefix that starts the worker so). WB_BROWSER_CONTAINMENT, read
    when `mode` is None: `auto` falls back to the proxy alone LOUDLY (stderr); `netns` never falls back."""
    mode = mode or os.environ.get("WB_BROWSER_CONTAINMENT", "auto")
    if mode not in MODES:
        raise ValueError(f"WB_BROWSER_CONTAINMENT={mode!r}: expected one of {', '.join(MODES)}")
    if mode == "proxy":
        return "proxy", []
    why = netns_problem()
    if why is None:
        return "netns", _netns_prefix()
    if mode == "netns":
        raise ToolMissing(f"no network namespace for the browser ({why}); {NETNS_HINT}")
    print(f"WARNING: the browser runs WITHOUT a network namespace ({why}): generated pages are contained by "
          f"Chromium's proxy and WebRTC settings alone (weaker, docs/containment.md). {NETNS_HINT}; "
          "WB_BROWSER_CONTAINMENT=netns makes this an error.", file=sys.stderr)
    return "proxy", []


def containment_check() -> tuple[bool, str]:
    """Gate A's line on containment (not critical unless WB_BROWSER_CONTAINMENT=netns, where starting the
    browser raises ToolMissing): ok only with the network namespace; the proxy alone is shown as a miss."""
    mode = os.environ.get("WB_BROWSER_CONTAINMENT", "auto")
    if mode == "proxy":
        return False, ("proxy only, as WB_BROWSER_CONTAINMENT=proxy asks: pages are contained by Chromium's "
                       "proxy and WebRTC settings alone (weaker, docs/containment.md)")
    why = netns_problem()
    if why:
        return False, (f"no network namespace ({why}): " + ("the browser will not start (WB_BROWSER_CONTAINMENT="
                       "netns)" if mode == "netns" else "pages are contained by Chromium's proxy and WebRTC "
                       "settings alone (weaker, docs/containment.md)"))
    return True, "network namespace of its own (unshare -n, loopback only): pages reach only their served origin"


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
