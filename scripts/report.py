"""Collect the gates' outputs for one domain and run into a single Markdown report.

    .venv/bin/python scripts/report.py --domain <name> --run <run> [--model embedded]   (make report)

Reads only files the gates wrote (gate A stamp, baseline results.json, the run's log.jsonl, gate D
summary.md and heatmap, gate E decision.json/md) and says which are missing; writes
results/<domain>/<run>/REPORT.md atomically, with pictures beside it: the training loss curve, pass@k
against k for the baseline and the chosen checkpoint, per-family bars, and gate D's heatmap.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import models  # noqa: E402
from core.files import atomic_write_text  # noqa: E402
from eval import cli  # noqa: E402
from eval.passk import cell as _pct  # noqa: E402
from eval.runs import resolve_baseline, resolve_run  # noqa: E402


def sections(domain: str, run: str, model: str, baseline: str | None = None,
             report_dir: Path | None = None) -> list[str]:
    """The report's lines; links are relative to `report_dir` (where the report is written)."""
    root = cli.ROOT / "results" / domain
    run_out = cli.run_results_dir(domain, run)
    out = [f"# Report: {domain}, run {run}, model {model}", ""]
    gate_a = root / "gate_a.json"
    if gate_a.is_file():
        a = json.loads(gate_a.read_text())
        out += [f"## Gate A: {'passed' if a['passed'] else 'FAILED'} ({a['score']}), {a['created']}", ""]
    else:
        out += ["## Gate A: no stamp (run `make gate-a`)", ""]
    base = Path(baseline) if baseline else cli.baseline_dir(domain, models.resolve(model)) / "results.json"
    if base.is_file():
        b = json.loads(base.read_text())
        n = b["generation"]["sampling"]["n"]
        out += ["## Gate B: baseline", "", f"`{base}`: {b['data']['items']} items x n={n}; "
                f"pass@1 {_pct(b['pass_at_k'], 1)}, pass@{n} {_pct(b['pass_at_k'], n)}", "",
                f"| family | pass@1 | pass@{n} |", "| --- | --- | --- |"]
        out += [f"| {f} | {_pct(v['pass_at_k'], 1)} | {_pct(v['pass_at_k'], n)} |" for f, v in b["families"].items()]
        out.append("")
    else:
        out += [f"## Gate B: no baseline at {base} (run `make baseline`)", ""]
    for title, path in (("Gate D", run_out / "gate_d" / "summary.md"), ("Gate E", run_out / "decision.md")):
        if path.is_file():
            out += [f"## {title}", "", path.read_text().strip(), ""]
        else:
            out += [f"## {title}: missing {path}", ""]
    heat = run_out / "gate_d" / "heatmap.png"
    if heat.is_file():
        out += [f"![pass@k heatmap]({os.path.relpath(heat, report_dir or run_out)})", ""]
    out += figures(cli.run_dir(domain, run), base, run_out, report_dir or run_out)
    return out


def figures(run_dir: Path, base: Path, run_out: Path, report_dir: Path) -> list[str]:
    """Write the report's pictures into report_dir; return the Markdown that shows them."""
    from core.files import read_json
    from eval import plots

    out, report_dir = ["## Pictures", ""], Path(report_dir)
    log = Path(run_dir) / "log.jsonl"
    if log.is_file():
        rows = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
        plots.loss_curve(rows, report_dir / "loss.png", f"training loss, {Path(run_dir).name}")
        out += ["![training loss](loss.png)", ""]
    decision = run_out / "decision.json"
    if base.is_file() and decision.is_file():
        b, d = read_json(base), read_json(decision)
        tuned = read_json(d["best"]["results"])
        label = f"{d['best']['checkpoint']} x {d['best']['scale']:g}"
        plots.passk_curves({"baseline": b["pass_at_k"], label: tuned["pass_at_k"]}, report_dir / "passk.png",
                           f"pass@k, {b['data']['items']} items (95% bootstrap bands)")
        k = d["metric"]
        fams = {f: (v["pass_at_k"][k]["value"], tuned["families"].get(f, {}).get("pass_at_k", {}).get(k, {})
                    .get("value", 0.0)) for f, v in b["families"].items()}
        plots.family_bars(fams, ("baseline", label), report_dir / "families.png", f"{k} by family")
        out += ["![pass@k against k](passk.png) ![per-family bars](families.png)", ""]
        if b.get("styles"):   # the phrasing slices; the held-out ones named in the title
            held = [st for st, v in (d.get("styles") or {}).items() if v.get("in_training") is False]
            sts = {st: (v["pass_at_k"][k]["value"], tuned.get("styles", {}).get(st, {}).get("pass_at_k", {})
                        .get(k, {}).get("value", 0.0)) for st, v in b["styles"].items()}
            plots.family_bars(sts, ("baseline", label), report_dir / "styles.png",
                              f"{k} by phrasing style" + (f" (not in training: {', '.join(held)})" if held else ""))
            out += ["![per-style bars](styles.png)", ""]
            from eval.gate_e import plain_line, robustness_line   # gate E's own two phrasing lines

            out += [x for line in (robustness_line(d["robustness"], k) if d.get("robustness") else None,
                                   plain_line(d["plain_requests"], k) if d.get("plain_requests") else None)
                    if line for x in (line, "")]
        out += gallery(tuned, label, report_dir)
    return out if len(out) > 2 else []


GALLERY_ITEMS = 4


def _reached(rec: dict) -> tuple:
    return (rec.get("status") == "ok", sum(bool(v) for v in (rec.get("levels") or {}).values()))


def gallery(tuned: dict, label: str, report_dir: Path, n: int = GALLERY_ITEMS) -> list[str]:
    """For a domain whose validator keeps pictures (domain.picture): `n` items, the reference's picture
    beside the tuned model's best sample's (the one that got furthest), in gallery.png. A reference
    picture not yet rendered is rendered by validating the reference."""
    import domains
    from core.files import iter_jsonl
    from eval import plots

    if not (tuned.get("domain") or {}).get("name"):
        return []
    dom = domains.from_description(tuned["domain"])
    if not dom.keeps_pictures():
        return []
    files = tuned.get("files") or {}
    if not all(Path(files.get(k, "")).is_file() for k in ("scores", "generations")):
        return []
    items = {it["id"]: it for it in dom.load(tuned["data"]["path"])}
    best: dict = {}
    for _, rec in iter_jsonl(files["scores"]):
        if rec["id"] in items and (rec["id"] not in best or _reached(rec) > _reached(best[rec["id"]])):
            best[rec["id"]] = rec
    comps = {(r["id"], r["sample"]): r["completion"] for _, r in iter_jsonl(files["generations"])}
    chosen = sorted(best, key=lambda i: (not _reached(best[i])[0], -_reached(best[i])[1], i))[:n]
    rows = []
    for i in chosen:
        ref = dom.reference(items[i])
        ref_png = dom.picture(items[i], ref)
        if ref_png is None:
            dom.validate(items[i], ref)
            ref_png = dom.picture(items[i], ref)
        rec = best[i]
        tuned_png = dom.picture(items[i], comps.get((i, rec["sample"]), ""))
        rows.append({"label": f"{i} [{items[i].get('family', '')}]",
                     "cells": [("reference", ref_png), (f"{label}: {rec['status']}", tuned_png)]})
    if not rows:
        return []
    plots.gallery(rows, Path(report_dir) / "gallery.png", f"reference vs {label}, best sample per item")
    return ["Reference pictures beside the tuned model's best sample of the same item (the one whose "
            "validation got furthest):", "", "![reference vs tuned](gallery.png)", ""]


def make_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--domain", required=True, help="domain name (see domains/__init__.py)")
    p.add_argument("--run", default=None, help="training run: name under adapters/<domain>/ or a folder (default: the newest run of the domain)")
    p.add_argument("--model", default="embedded", help="base model, for the default baseline path (default %(default)s)")
    p.add_argument("--baseline", default=None,
                   help="baseline results.json (default: the one the run's gate E used, else results/<domain>/<run>/baseline/, else the model's)")
    p.add_argument("--out", default=None, help="default results/<domain>/<run>/REPORT.md")
    return p


@cli.entry
def main(argv=None):
    args = make_parser().parse_args(argv)
    args.run = resolve_run(args.domain, args.run)
    baseline = args.baseline or resolve_baseline(
        args.domain, args.run, cli.baseline_dir(args.domain, models.resolve(args.model)) / "results.json")
    out = Path(args.out) if args.out else cli.run_results_dir(args.domain, args.run) / "REPORT.md"
    text = "\n".join(sections(args.domain, args.run, args.model, baseline, out.parent))
    atomic_write_text(out, text)
    print(text)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
