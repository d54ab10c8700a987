"""Run ES modules in the shared headless Chromium and return what they drew (the `runs` level's data).

Each module becomes a page under a per-process scratch folder served at /jobs/<id>/: `index.html` (an
import map to the pinned `three` package's entry points at /three/, the #info and #container elements
of an official example page, then page/harness.js) and `scene.js` (the answer).
The harness wraps the renderer's `render` before the answer runs and records the scene and camera of
the first and the last frame; the page is done after FRAMES frames and MIN_MS, or at MAX_MS. A
screenshot is written to `shots_dir/<sha256[:16] of the completion>.png` (the scorer's completion_sha),
so each score record finds its picture.

`render_many(codes)` runs many at once (one browser, a fresh context each, PAGES pages in parallel);
the result of one module is a dict: status (ok | timeout | crashed | killed | driver_error), errors
(uncaught errors and the import error, with the served origin replaced by `scene.js`), blocked
requests, dialogs, navigations, frames, first/last scene snapshots, page elements looked up and not
found (`missing`), the containment the browser ran under, screenshot path and seconds.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from domains.browser import BrowserPool
from domains.threejs import static, toolchain

FRAMES, MIN_MS, MAX_MS = 4, 500, 2000


@dataclass
class Limits:
    """A page's time budgets; tests swap in short ones (LIMITS = Limits(...)), production keeps these."""
    page_seconds: float = 30.0   # from load to done: the page's time limit (an endless loop ends here)
    load_seconds: float = 90.0   # to open a context and load the page: minutes-slow only on an overloaded machine
    stall_margin: float = 20.0   # the worker answers within load + page + this, or is killed and retried


LIMITS = Limits(page_seconds=float(os.environ.get("WB_THREEJS_PAGE_SECONDS", "30")))
PAGES = int(os.environ.get("WB_BROWSER_PAGES", "2"))
VIEWPORT = (320, 240)
# The elements every official three.js example page has (its template: an #info line over the scene, a
# #container the renderer's canvas goes in), styled as its main.css places them. Another element an
# answer looks up and lacks is reported as `needs_page` (validate.py), not as the answer's error.
PAGE_ELEMENTS = ("info", "container")
INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<style>html, body {{ margin: 0; overflow: hidden; background: #000; }}
#info {{ position: absolute; top: 0; width: 100%; padding: 10px; box-sizing: border-box; text-align: center;
  color: #fff; font: 13px sans-serif; pointer-events: none; z-index: 1; }}</style>
<script type="importmap">{importmap}</script>
</head><body><div id="info"></div><div id="container"></div>
<script type="module" src="/wb/harness.js?frames={frames}&ms={min_ms}&max_ms={max_ms}{webgpu}"></script></body></html>
"""
WEBGPU = {"three/webgpu", "three/tsl"}   # an answer importing these is drawn by three/webgpu's Renderer


def import_map() -> str:
    """The pinned package's entry points (three, three/webgpu, three/tsl, three/addons) and its addons."""
    imports = {name: f"/three/{file}" for name, file in toolchain.entry_points().items()}
    return json.dumps({"imports": {**imports, "three/addons/": "/three/examples/jsm/"}})


def index_html(code: str) -> str:
    webgpu = "&webgpu=1" if WEBGPU & set(static.specifiers(code)) else ""
    return INDEX.format(importmap=import_map(), frames=FRAMES, min_ms=MIN_MS, max_ms=MAX_MS, webgpu=webgpu)


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
    _pool.stall_margin = LIMITS.stall_margin
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
        (d / "index.html").write_text(index_html(code))
        (d / "scene.js").write_text(code, encoding="utf-8")
        dirs.append(d)
        jobs.append({"id": job_id, "url": f"/jobs/{job_id}/index.html", "seconds": LIMITS.page_seconds,
                     "load_seconds": LIMITS.load_seconds,
                     "done_expr": "window.__wb && window.__wb.done", "result_expr": "window.__wb",
                     "partial_expr": "window.__wb && {frames: window.__wb.frames, import_error: window.__wb.import_error, "
                                     "missing: window.__wb.missing}",
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
            "partial": r.get("partial"), "containment": r.get("containment"),
            "missing": page.get("missing") or (r.get("partial") or {}).get("missing") or [],
            "screenshot": str(shot) if shot.is_file() and r.get("status") == "ok" else None}
