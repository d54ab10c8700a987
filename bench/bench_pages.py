"""Browser-judged validation speed: pages per second through one kept-alive Chromium (the validator's
way) vs a fresh Chromium per page (what the seed's screenshot step did), on the Three.js gold fixture.

    .venv/bin/python bench/bench_pages.py [--pages 8] [--parallel 2]

Prints one JSON object: pages, seconds and pages/s for each way, and the browser's start-up time. Run it
on an otherwise idle machine: pages are CPU-bound (software WebGL), so anything beside it shows.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pages", type=int, default=8, help="pages to render each way")
    p.add_argument("--parallel", type=int, default=2, help="pages at once in the kept-alive browser")
    return p


def variants(n: int) -> list[str]:
    from threejs_helpers import fixture_code

    code = fixture_code("gold.js")
    return [code + f"\n// page {i}\n" for i in range(n)]   # distinct pages, same work


def main(argv=None) -> dict:
    import tempfile

    from domains.threejs import page

    args = make_parser().parse_args(argv)
    page.PAGES = args.parallel
    codes = variants(args.pages)
    shots = Path(tempfile.mkdtemp(prefix="wb-bench-pages-"))
    t0 = time.monotonic()
    page.pool()._start()
    start = time.monotonic() - t0
    t0 = time.monotonic()
    kept = page.render_many(codes, shots)
    kept_s = time.monotonic() - t0
    t0 = time.monotonic()
    fresh = []
    for code in codes:        # a new browser for every page, as one browser per sample would be
        page.pool().close()
        page._pool = None
        fresh += page.render_many([code], shots)
    fresh_s = time.monotonic() - t0 + 0.0
    page.pool().close()
    out = {"pages": args.pages, "parallel": args.parallel, "browser_start_s": round(start, 2),
           "kept_alive": {"seconds": round(kept_s, 2), "pages_per_s": round(args.pages / kept_s, 3),
                          "ok": sum(o["status"] == "ok" and o["frames"] > 0 for o in kept)},
           "browser_per_page": {"seconds": round(fresh_s, 2), "pages_per_s": round(args.pages / fresh_s, 3),
                                "ok": sum(o["status"] == "ok" and o["frames"] > 0 for o in fresh)}}
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
