"""The Three.js validator: a completion -> Result, level by level (LEVELS), each miss named.

  extracts -> parses -> imports            static.py (node --check, the pinned package's addon files)
  -> runs                                  page.py: headless Chromium, SwiftShader WebGL, frames for a
                                           fixed time; an uncaught error, a dialog, a request off
                                           127.0.0.1, a navigation, no frame drawn, a hang (timeout) or
                                           a crash (resource_limit) each fail here; an error that comes
                                           from a page element the page lacks is `needs_page`
  -> renders -> meets_spec                 meets.py, on the screenshot and the captured scene
`warm(codes)` runs many pages at once and keeps their outcomes for `validate` (check-refs, the build);
without it each validate opens one page on the process's browser.
"""
from __future__ import annotations

import re
from pathlib import Path

from domains.base import Result
from domains.threejs import meets, page, static

LEVELS = ("extracts", "parses", "imports", "runs", "renders", "meets_spec")
_outcomes: dict = {}     # code sha -> page outcome, filled by warm(), used once by validate()
_parsed: dict = {}       # code sha -> parse error or None
_NULL_ELEMENT = re.compile(r"properties of null|null is not an object")


def result(status: str, detail: str, levels: dict, metrics: dict | None = None) -> Result:
    reached = [name for name, ok in levels.items() if ok]
    return Result(status, detail, level=reached[-1] if reached else "", levels=dict(levels), metrics=metrics or {})


def static_checks(completion: str) -> tuple[str | None, Result | None, dict]:
    """(code, None, levels) when the code may go to the browser, else (code, failing Result, levels)."""
    levels = dict.fromkeys(LEVELS, False)
    code = static.extract(completion)
    if code is None:
        return None, result("format_error", "no JavaScript found (no code block, no line starting with import)",
                            levels), levels
    levels["extracts"] = True
    if len(code.encode("utf-8")) > static.MAX_CODE_BYTES:
        return code, result("resource_limit", f"code is over {static.MAX_CODE_BYTES:,} bytes", levels), levels
    key = page.completion_sha(code)
    if key not in _parsed:
        _parsed[key] = static.parse_error(code)
    err = _parsed.pop(key)
    if err:
        return code, result("syntax_error", err, levels), levels
    levels["parses"] = True
    bad = static.import_problems(code)
    if bad:
        return code, result("wrong_answer", "imports: " + "; ".join(bad), levels), levels
    levels["imports"] = True
    return code, None, levels


def warm(completions: list[str], shots_dir: Path) -> int:
    """Run every completion that passes the static levels, many pages at once; returns how many ran."""
    from concurrent.futures import ThreadPoolExecutor

    codes = [c for c in (static.extract(x) for x in completions) if c is not None]
    with ThreadPoolExecutor(2) as ex:   # node --check is a process each: two at a time on two cores
        for code, err in zip(codes, ex.map(static.parse_error, codes)):
            _parsed[page.completion_sha(code)] = err
    todo = {}
    for comp in completions:
        code, fail, _ = static_checks(comp)
        if fail is None:
            todo[page.completion_sha(comp)] = code
            _parsed[page.completion_sha(code)] = None
    outs = page.render_many(list(todo.values()), shots_dir, keys=list(todo))
    _outcomes.update(zip(todo, outs))
    return len(todo)


def validate(spec: dict, completion: str, shots_dir: Path) -> Result:
    code, fail, levels = static_checks(completion)
    if fail is not None:
        return fail
    key = page.completion_sha(completion)
    out = _outcomes.pop(key, None) or page.render_many([code], shots_dir, keys=[key])[0]
    return judge(spec, out, levels)


def run_failure(out: dict) -> tuple[str, str] | None:
    """(status, detail) when the page did not run cleanly, else None. What the page did that is never
    allowed (requests off 127.0.0.1, navigating away, dialogs) is named before a timeout it may cause."""
    if out["status"] == "crashed":
        return "resource_limit", "the page crashed (out of memory?)"
    if out["blocked"]:
        return "runtime_error", f"request blocked, only 127.0.0.1 is reachable: {out['blocked'][0]}"
    if out["navigations"]:
        return "runtime_error", f"the page navigated away to {out['navigations'][0]}"
    if out["dialogs"]:
        return "runtime_error", f"the page opened a dialog ({out['dialogs'][0]}); dialogs are not allowed"
    if out.get("missing") and out["errors"] and _NULL_ELEMENT.search(out["errors"][0]):
        return "needs_page", (f"needs page element {out['missing'][0]} (the validation page has "
                              f"{', '.join('#' + e for e in page.PAGE_ELEMENTS)}): {out['errors'][0][:300]}")
    if out["errors"]:
        return "runtime_error", "uncaught error: " + out["errors"][0][:600]
    if out["status"] in ("timeout", "killed"):
        return "timeout", f"the page did not finish within {page.LIMITS.page_seconds:.0f} s (an endless loop?)"
    if out["status"] != "ok":
        return "runtime_error", f"the browser could not run the page: {out['detail']}"
    if not out["frames"]:
        return "runtime_error", "renderer.render(scene, camera) was never called with a THREE.Scene"
    return None


def judge(spec: dict, out: dict, levels: dict) -> Result:
    metrics = {"frames": out["frames"], "page_seconds": round(out["seconds"], 3)}
    bad = run_failure(out)
    if bad:
        return result(*bad, levels, metrics)
    levels["runs"] = True
    if not out["screenshot"]:
        return result("runtime_error", "no screenshot was taken", levels, metrics)
    px = meets.pixels(out["screenshot"])
    blank = meets.blank_reason(px)
    if blank:
        return result("wrong_answer", blank, levels, metrics)
    levels["renders"] = True
    misses = meets.scene_misses(spec, out["first"], out["last"]) + meets.pixel_misses(spec, px)
    facts = max(1, meets.fact_count(spec))
    metrics["spec_score"] = round(max(0.0, 1 - len(misses) / facts), 4)
    if misses:
        return result("wrong_answer", "; ".join(misses), levels, metrics)
    levels["meets_spec"] = True
    return result("ok", "", levels, metrics)
