"""Gate D: every checkpoint of a training run x every adapter scale, evaluated like the baseline.

What it does: checks every checkpoint up front (adapter weights present, trained on this MODEL) and
raises once with all problems; audits the eval set against the run's own training data
(workbench.json train_data.path); then, per combination, runs the same generate -> score pipeline as
gate B into `<out>/<checkpoint>__s<scale>/` with the adapter merged at that scale. A combination whose
results.json matches the current data and settings is not redone; a half-done one resumes. Writes
summary.json, summary.md and heatmap.png (pass@k, checkpoint x scale).

`--sweep best` evaluates every checkpoint at the largest scale first, then the other scales on the best
of those only (checkpoints + scales - 1 combinations instead of checkpoints x scales). `--sweep last`
evaluates the run's last checkpoint only, at each scale: a quick check that chooses nothing between
checkpoints (the CPU demo uses it; summary.md says so).

What it does not do: pick the winner against the baseline (gate E does, with the paired interval).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from core import models
from core.errors import UserError
from core.files import atomic_write_json, atomic_write_text, read_json, sha256_file
from core.meta import run_info
from eval import audit as audit_mod
from eval import passk
from eval.checkpoints import check_adapter, checkpoint_step, list_checkpoints
from eval.gold import apply_gold_ceiling
from eval.pipeline import evaluate, resolve_precision
from eval.plots import heatmap
from eval.settings import check_scale

DEFAULT_SCALES = (0.25, 0.5, 1.0)


def combo_name(ckpt: Path, scale: float) -> str:
    return f"{ckpt.name}__s{scale:g}"


def check_run(run_dir, ref, scales) -> tuple[list[Path], dict]:
    """All checkpoints and scales checked at once; one error listing every problem."""
    problems, infos = [], {}
    for s in scales:
        try:
            check_scale(s)
        except UserError as exc:
            problems.append(str(exc))
    ckpts = list_checkpoints(run_dir)
    for c in ckpts:
        try:
            infos[c.name] = check_adapter(c, ref)
        except UserError as exc:
            problems.append(str(exc))
    if problems:
        raise UserError("gate D cannot start:\n  " + "\n  ".join(problems))
    return ckpts, infos


def full_run_scales(infos: dict, scales: list[float], run_dir) -> list[float]:
    """The scales to evaluate: as asked for adapters; 1.0 only, said once, for fully fine-tuned checkpoints
    (a whole model has no adapter to rescale; scaling its weight change would be another method)."""
    full = [name for name, info in infos.items() if info.get("kind") == "full"]
    if not full:
        return scales
    if len(full) < len(infos):
        raise UserError(f"{run_dir}: mixes fully fine-tuned checkpoints ({', '.join(full)}) with adapters; "
                        "evaluate one kind per run")
    if scales != [1.0]:
        print(f"gate D: {run_dir} holds fully fine-tuned checkpoints (use_peft false): no adapter to rescale, "
              f"so scale 1.0 only (asked {', '.join(f'{s:g}' for s in scales)})", file=sys.stderr, flush=True)
    return [1.0]


def train_path_of(infos: dict, domain, override=None):
    if override:
        return audit_mod.default_train_path(domain, override)
    for info in infos.values():
        p = ((info.get("workbench") or {}).get("train_data") or {}).get("path")
        if p and Path(p).is_file():
            return Path(p)
    return audit_mod.default_train_path(domain, None)


def _finished(res_path: Path, data_sha: str, settings, adapter: Path, scale: float, ks, ids: set) -> dict | None:
    """The results already in res_path, if they were made exactly as asked (same data, items, settings
    with the precision `auto` resolves to here, adapter, scale, ks); None otherwise, so the combination is
    evaluated (again)."""
    if not res_path.is_file():
        return None
    res = read_json(res_path)
    same = (res.get("data", {}).get("sha256") == data_sha
            and res.get("generation", {}).get("sampling") == settings.sampling()
            and res.get("generation", {}).get("precision") == settings.precision
            and res.get("generation", {}).get("backend") == settings.backend
            and (res.get("adapter") or {}).get("path") == str(adapter)
            and (res.get("adapter") or {}).get("scale") == scale and res.get("ks") == ks
            and set(res.get("items") or {}) == ids)
    return res if same else None


def run_gate_d(domain, data_path, items, run_dir, model_spec, settings, ks, out_dir, scales=DEFAULT_SCALES,
               allow_contaminated=False, train=None, workers=2, progress=True, limit=None,
               baseline=None, sweep: str = "grid", keep_broken_gold=False, items_read=None,
               keep_input_passes=False) -> dict:
    """`baseline`: a gate B results.json; if it was made on the same data, the heatmap shows its value.
    Items whose reference fails its validator are left out as in gate B (eval.gold), unless kept."""
    out_dir = Path(out_dir)
    scales = [float(s) for s in scales]
    ref = models.resolve(model_spec)
    ckpts, infos = check_run(run_dir, ref, scales)
    scales = full_run_scales(infos, scales, run_dir)
    report = audit_mod.run_audit(domain, data_path, train_path_of(infos, domain, train), out_dir / "audit.json",
                                 allow_contaminated, eval_items=items)
    audit_sum = audit_mod.summary(report)
    items, record = apply_gold_ceiling(report, items, items_read or len(items), keep_broken_gold, domain,
                                       keep_input_passes=keep_input_passes)
    data_sha = sha256_file(data_path)
    resolved, _ = resolve_precision(settings)
    base = {}

    def loader():  # the base model is loaded once, and only if some combination needs generating
        if not base:
            r, tok, m = models.load(model_spec)  # float32: adapters merge in full precision
            base["v"] = (r, tok, m)
        return base["v"]

    def one(ck, s):
        d = out_dir / combo_name(ck, s)
        res = _finished(d / "results.json", data_sha, resolved, ck, s, ks, {it["id"] for it in items})
        if res is None:
            res = evaluate(domain, data_path, items, model_spec, settings, ks, d, adapter=ck, scale=s,
                           audit=audit_sum, workers=workers, progress=progress, base_loader=loader, limit=limit,
                           data_record=record)
        return _row(ck, s, d, res)

    rows = [one(ck, s) for ck, s in plan(ckpts, scales, sweep)]
    if sweep == "best":  # the other scales, on the checkpoint that scored best at the top scale only
        top = max(rows, key=lambda r: (r["pass_at_k"][f"pass@{ks[0]}"]["value"], -(r["step"] or 0)))
        ck = next(c for c in ckpts if c.name == top["checkpoint"])
        rows += [one(ck, s) for s in scales if s != max(scales)]
    return write_summary(out_dir, rows, ks, scales, ckpts, domain, data_path, data_sha, resolved, audit_sum,
                         run_dir, ref, _baseline_value(baseline, data_sha, settings, ks[0]), sweep)


SWEEPS = ("grid", "best", "last")


def plan(ckpts, scales, sweep: str) -> list:
    """The combinations evaluated first: every checkpoint x every scale (grid), or every checkpoint at the
    largest scale (best: the other scales then run on the best of those only, checkpoints + scales - 1
    combinations instead of checkpoints x scales), or the last checkpoint only at every scale (last)."""
    if sweep not in SWEEPS:
        raise UserError(f"--sweep {sweep!r}: expected one of {', '.join(SWEEPS)}")
    if sweep == "last":
        return [(ckpts[-1], s) for s in scales]
    if sweep == "best":
        return [(ck, max(scales)) for ck in ckpts]
    return [(ck, s) for ck in ckpts for s in scales]


def _baseline_value(path, data_sha, settings, k):
    if not path or not Path(path).is_file():
        return None
    res = read_json(path)
    same = (res.get("data", {}).get("sha256") == data_sha
            and res.get("generation", {}).get("sampling", {}).get("n") == settings.n)
    return (res.get("pass_at_k", {}).get(f"pass@{k}") or {}).get("value") if same else None


def _row(ck: Path, scale: float, d: Path, res: dict) -> dict:
    return {"checkpoint": ck.name, "step": checkpoint_step(ck), "scale": scale, "adapter": str(ck),
            "kind": (res.get("adapter") or {}).get("kind", "adapter"),
            "results": str(d / "results.json"),
            "pass_at_k": {k: {"value": v["value"], "ci95": v["ci95"]} for k, v in res["pass_at_k"].items()},
            "tokens_per_s": res["throughput"].get("tokens_per_s")}


def write_summary(out_dir, rows, ks, scales, ckpts, domain, data_path, data_sha, settings, audit_sum,
                  run_dir, ref, baseline=None, sweep: str = "grid") -> dict:
    primary = f"pass@{ks[0]}"
    best = max(rows, key=lambda r: (r["pass_at_k"][primary]["value"], -(r["step"] or 0), -abs(r["scale"] - 1)))
    summary = {"format": "workbench.eval.gate_d/1", "run_dir": str(run_dir), "model": ref.describe(),
               "domain": domain.describe(), "data": {"path": str(data_path), "sha256": data_sha},
               "generation": {**settings.sampling(), "precision": settings.precision, "backend": settings.backend},
               "ks": ks, "primary": primary, "scales": scales,
               "checkpoints": [c.name for c in ckpts], "sweep": sweep, "combinations": rows, "best": best,
               "baseline_value": baseline,
               "audit": audit_sum, "run": run_info()}
    atomic_write_json(out_dir / "summary.json", summary)
    atomic_write_text(out_dir / "summary.md", _markdown(summary))
    vals = [[next((r["pass_at_k"][primary]["value"] for r in rows if r["checkpoint"] == c.name
                   and r["scale"] == s), None) for s in scales] for c in ckpts]  # None: not evaluated
    heatmap(vals, [c.name for c in ckpts], scales, f"{domain.name}: {primary} (%) by checkpoint x scale",
            out_dir / "heatmap.png", baseline=baseline)
    return summary


def _markdown(s: dict) -> str:
    ks = [f"pass@{k}" for k in s["ks"]]
    lines = [f"# Gate D: {Path(s['run_dir']).name} ({s['domain']['name']}, version {s['domain']['version']})", "",
             f"Model: {s['model']['name']}. Data: {s['data']['path']} (sha256 {s['data']['sha256'][:12]}). "
             f"Sampling: {json.dumps(s['generation'])}. Audit: {s['audit']['verdict']}"
             + (" (override --allow-contaminated)" if s["audit"]["allow_contaminated"] else "") + ".", "",
             "| checkpoint | scale | " + " | ".join(f"{k} [95% CI]" for k in ks) + " |",
             "|---|---|" + "---|" * len(ks)]
    for r in s["combinations"]:
        cells = [passk.cell(r["pass_at_k"], k, unit="") for k in ks]
        lines.append(f"| {r['checkpoint']} | {r['scale']:g} | " + " | ".join(cells) + " |")
    b = s["best"]
    lines += ["", f"Best on {s['primary']}: {b['checkpoint']} at scale {b['scale']:g} "
              f"({100 * b['pass_at_k'][s['primary']]['value']:.1f}%), picked among {len(s['combinations'])} "
              "combinations on this same eval set (optimistic; gate E says how much).", ""]
    if s.get("sweep") == "best":
        lines += [f"Sweep `best`: every checkpoint at scale {max(s['scales']):g}, then the other scales on the "
                  "checkpoint that scored best there only (empty heatmap cells were not evaluated).", ""]
    if s.get("sweep") == "last":
        lines += [f"Sweep `last`: {s['checkpoints'][-1]} only; the earlier checkpoints were not evaluated (empty "
                  "heatmap cells), so nothing was chosen between checkpoints.", ""]
    return "\n".join(lines)
