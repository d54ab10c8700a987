"""One evaluation = generate -> score -> results.json, for a model, an optional adapter and a scale.

Shared by gate B (baseline, no adapter) and gate D (every checkpoint x scale). Each step is resumable on
its own file; results.json is written atomically at the end and describes itself: model, adapter and
scale, data file hash, domain/template/validator versions, generation settings and seed, the audit
summary (with the --allow-contaminated override), items read / left out / why (--keep-broken-gold), git commit, library versions, wall times, tokens/s,
pass@k with bootstrap intervals per family, the level breakdown, and per-item counts (gate E's paired
bootstrap needs them).
"""
from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

from core import models
from core.errors import UserError
from core.files import atomic_write_json, sha256_file
from core.meta import run_info
from eval import passk
from eval.checkpoints import check_adapter
from eval.generate import run_generation
from eval.score import aggregate, run_scoring
from eval.settings import check_scale

RESULTS_FORMAT = "workbench.eval.results/1"


def _domain_breakdown(domain, items: list[dict], scores: list[dict]) -> dict:
    per_item: dict = {}
    for r in scores:
        per_item.setdefault(r["id"], []).append(r)
    scored = [it for it in items if it["id"] in per_item]
    return domain.breakdown(scored, [per_item[it["id"]] for it in scored])


def model_slug(ref) -> str:
    if ref.kind == "embedded":
        return "embedded"
    base = Path(ref.path).name if ref.kind in ("local", "gguf") else ref.path.replace("/", "--")
    return re.sub(r"[^\w.\-]+", "_", base) or "model"


def out_paths(out_dir) -> dict:
    d = Path(out_dir)
    return {"generations": d / "generations.jsonl", "scores": d / "scores.jsonl",
            "results": d / "results.json", "audit": d / "audit.json"}


def evaluate(domain, data_path, items, model_spec, settings, ks, out_dir, *, adapter=None, scale=1.0,
             audit=None, workers=2, progress=True, base_loader=None, allow_generate=True,
             n_boot=passk.DEFAULT_BOOTSTRAP, limit=None, data_record=None) -> dict:
    """Run (or resume) one evaluation into `out_dir`; return the results dict (also in results.json).

    `base_loader()` -> (ref, tokenizer, model) shares one loaded base model between evaluations (gate D);
    it is called only when samples are missing. `allow_generate=False` (the score step alone) refuses
    to generate missing samples. `data_record` (eval.gold.apply_gold_ceiling) says how many items were
    read and which were left out, and why; results carry it under `data`.
    """
    t0 = time.perf_counter()
    settings, precision = resolve_precision(settings.check())
    scale = check_scale(scale)
    ks = passk.check_ks(ks, settings.n)
    ref = models.resolve(model_spec)
    adapter_info = check_adapter(adapter, ref) if adapter else None
    paths = out_paths(out_dir)
    data_sha = sha256_file(data_path)
    identity = {"model": ref.describe(), "adapter": str(adapter) if adapter else None,
                "scale": scale if adapter else None, "data_sha256": data_sha, "domain": domain.describe()}

    def factory():
        from eval.backends import get_backend

        if not allow_generate:
            raise UserError(f"{paths['generations']}: generation is incomplete; run the generate step first")
        if base_loader and settings.backend == "hf" and not (adapter_info and adapter_info["kind"] == "full"):
            from eval.backends.hf import HFBackend

            return HFBackend(settings, model_spec, adapter, scale, domain.stop_strings, loaded=base_loader())
        return get_backend(settings, model_spec, adapter, scale, domain.stop_strings)

    gen = run_generation(domain, items, settings, identity, paths["generations"], factory, progress)
    t1 = time.perf_counter()
    by_id = {it["id"]: it for it in items}
    scores = run_scoring(domain, by_id, paths["generations"], paths["scores"], settings.n, workers, progress)
    t2 = time.perf_counter()
    agg = aggregate(domain, scores)
    for i, it in agg["items"].items():   # the phrasing register, where the data records one: its own slice
        if by_id[i].get("style"):
            it["style"] = by_id[i]["style"]
    table = passk.table(agg["items"], ks, n_boot=n_boot, seed=settings.seed)
    results = {
        "format": RESULTS_FORMAT,
        "model": ref.describe(),
        "adapter": _adapter_block(adapter_info, scale),
        "data": {"path": str(data_path), "sha256": data_sha, "items": len(items), "limit": limit,
                 **(data_record or {"items_read": None, "left_out": []})},
        "domain": domain.describe(),
        "generation": {**settings.resume_key(), "sampling": settings.sampling(), "precision_choice": precision},
        "seed": settings.seed,
        "audit": audit,
        "allow_contaminated": bool(audit and audit.get("allow_contaminated")),
        "keep_broken_gold": bool((data_record or {}).get("keep_broken_gold")),
        "ks": ks,
        "pass_at_k": table["overall"],
        "families": {f: {"pass_at_k": table["families"][f], **agg["families"][f]} for f in table["families"]},
        "styles": {s: {"pass_at_k": v} for s, v in table["styles"].items()},
        "status": agg["status"], "levels": agg["levels"], "metrics": agg["metrics"],
        "throughput": gen,
        "wall_seconds": {"generate_this_run": round(t1 - t0, 3), "generate_total": gen["generate_seconds"],
                         "score_this_run": round(t2 - t1, 3), "total_this_run": round(time.perf_counter() - t0, 3)},
        "files": {k: str(v) for k, v in paths.items() if k != "results"},
        "items": agg["items"],
        "run": run_info(),
    }
    breakdown = _domain_breakdown(domain, items, scores)  # Domain.breakdown: e.g. per tool, per reason
    if breakdown:
        results["breakdown"] = breakdown
    atomic_write_json(paths["results"], results)
    return results


def resolve_precision(settings):
    """(settings with a concrete precision, the choice and its evidence). `auto` is decided per machine
    (core.precision): the concrete precision enters the resume key, so samples made in bf16 are never
    continued in fp32. vLLM picks its own dtype on the GPU; its request is recorded as given."""
    from core import precision as prec

    if settings.backend != "hf":
        return settings, {"precision": settings.precision, "requested": settings.precision,
                          "reason": f"{settings.backend} backend"}
    choice = prec.resolve(settings.precision)
    return dataclasses.replace(settings, precision=choice["precision"]), choice


def _adapter_block(info, scale):
    if not info:
        return None
    wb = info.get("workbench") or {}
    return {"path": info["path"], "kind": info.get("kind", "adapter"), "scale": scale,
            "base_check": info["base_check"], "base_model": info["base_model"], "step": wb.get("step"), "train_data": wb.get("train_data")}
