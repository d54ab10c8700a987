"""Run ES modules in the shared headless Chromium and return what they drew (the `runs` level's data).

Each module becomes a page under a per-process scratch folder served at /jobs/<id>/: `index.html` (an
import map to the pinned `three` package at /three/, then page/harness.js) and `scene.js` (the answer).
The harness wraps the renderer's `render` before the answer runs and records the scene and camera of
the first and the last frame; the page is done after FRAMES frames and MIN_MS, or at MAX_MS. A
screenshot is written to `shots_dir/<sha256[:16] of the completion>.png` (the scorer's completion_sha),
so each score record finds its picture.

`render_many(codes)` runs many at once (one browser, a fresh context each, PAGES pages in parallel);
the result of one module is a dict: status (ok | timeout | crashed | killed | driver_error), errors
(uncaught errors and the import error, with the served origin replaced by `scene.js`), blocked
requests, dialogs, navigations, frames, first/last scene snapshots, screenshot path and seconds.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from domains.browser import BrowserPool
from domains.threejs import toolchain

FRAMES, MIN_MS, MAX_MS = 4, 500, 2000
PAGE_SECONDS = float(os.environ.get("WB_THREEJS_PAGE_SECONDS", "30"))  # from load to done: the time limit
LOAD_SECONDS = 90.0   # to open a context and load the page: minutes-slow only on an overloaded machine
PAGES = int(os.environ.get("WB_BROWSER_PAGES", "2"))
VIEWPORT = (320, 240)
INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<style>html, body {{ margin: 0; overflow: hidden; background: #000; }}</style>
<script type="importmap">{importmap}</script>
</head><body><script type="module" src="/wb/harness.js?frames={frames}&ms={min_ms}&max_ms={max_ms}"></script></body></html>
"""
IMPORT_MAP = json.dumps({"imports": {"three": "/three/build/three.module.js", "three/addons/": "/three/examples/jsm/"}})
_ORIGIN = re.compile(r"https?://127\.0\.0\.1:\d+/jobs/[^/\s]+/")

_pool: BrowserPool | None = None
_jobs_dir: Path | None = None


def completion_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def pool() -> BrowserPool:
    """This process's browser (a forked scorer starts its own)."""
    global _pool, _jobs_dir
    if _pool is None or _pool.pid not in (None, os.getpid()):
        _jobs_dir = Path(tempfile.mkdtemp(prefix="wb-three-jobs-"))
        _pool = BrowserPool(toolchain.node_binary(), toolchain.chromium_binary(), toolchain.PLAYWRIGHT,
                            {"/three/": toolchain.THREE, "/wb/": toolchain.PAGE, "/jobs/": _jobs_dir},
                            concurrency=PAGES, viewport=VIEWPORT, cached=("/three/", "/wb/"))
    return _pool


def render_many(codes: list[str], shots_dir: Path, keys: list[str] | None = None) -> list[dict]:
    """Run each module; keys (default: the code's sha) name the screenshots."""
    p = pool()
    shots_dir.mkdir(parents=True, exist_ok=True)
    jobs, dirs = [], []
    for i, code in enumerate(codes):
        key = keys[i] if keys else completion_sha(code)
        job_id = f"{i}-{completion_sha(code)}-{os.urandom(3).hex()}"
        d = _jobs_dir / job_id
        d.mkdir()
        (d / "index.html").write_text(INDEX.format(importmap=IMPORT_MAP, frames=FRAMES, min_ms=MIN_MS, max_ms=MAX_MS))
        (d / "scene.js").write_text(code, encoding="utf-8")
        dirs.append(d)
        jobs.append({"id": job_id, "url": f"/jobs/{job_id}/index.html", "seconds": PAGE_SECONDS,
                     "load_seconds": LOAD_SECONDS,
                     "done_expr": "window.__wb && window.__wb.done", "result_expr": "window.__wb",
                     "partial_expr": "window.__wb && {frames: window.__wb.frames, import_error: window.__wb.import_error}",
                     "screenshot": str((shots_dir / f"{key}.png").resolve())})
    try:
        raw = p.run_many(jobs)
    finally:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
    return [_outcome(job, raw[job["id"]]) for job in jobs]


def _clean(text: str) -> str:
    return _ORIGIN.sub("", text)


def _outcome(job: dict, r: dict) -> dict:
    page = r.get("result") or {}
    errors = [_clean(e) for e in r.get("page_errors", [])]
    if page.get("import_error"):
        errors.insert(0, _clean(page["import_error"]))
    shot = Path(job["screenshot"])
    return {"status": r.get("status", "driver_error"), "detail": _clean(r.get("detail", "")), "errors": errors,
            "console_errors": [_clean(e) for e in r.get("console_errors", [])], "blocked": r.get("blocked", []),
            "dialogs": r.get("dialogs", []), "navigations": r.get("navigations", []),
            "frames": page.get("frames", 0), "first": page.get("first"), "last": page.get("last"),
            "scenes": page.get("scenes", 0), "seconds": r.get("seconds", 0.0), "timings": r.get("timings", {}),
            "partial": r.get("partial"),
            "screenshot": str(shot) if shot.is_file() and r.get("status") == "ok" else None}
