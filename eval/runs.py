"""Which training run, adapter and baseline a command uses when none is named.

After `make demo` the next commands (gate-e, report, serve, chat, export) run without RUN= or ADAPTER=:
  - run: the newest run of the domain, i.e. the folder under adapters/<domain>/ whose checkpoint weights
    were written last;
  - adapter: the checkpoint x scale gate E chose for that run (results/<domain>/<run>/decision.json),
    else the run's newest checkpoint at scale 1.0; 'none' means the base model alone;
  - baseline: the one gate E compared against (its decision.json), else the run's own
    results/<domain>/<run>/baseline/ (the demo's layout), else the model's.
Every pick is printed (to stderr) with where it came from. Does not check that the adapter fits the model:
eval/checkpoints.py does that when it is loaded.
"""
from __future__ import annotations

import sys
from pathlib import Path

from core.errors import UserError
from core.files import read_json
from core.meta import ROOT
from eval.checkpoints import CKPT, WEIGHT_FILES, list_checkpoints

AUTO, NONE = "auto", "none"


def _folder(domain: str) -> str:
    import domains

    return domains.folder_name(domain)  # a spec file's path -> its name, as results/ and adapters/ use


def _say(msg: str):
    print(msg, file=sys.stderr, flush=True)


def _written(ckpt: Path) -> float:
    return max((ckpt / w).stat().st_mtime for w in WEIGHT_FILES if (ckpt / w).is_file())


def newest_run(domain_name: str, root: Path | None = None) -> Path | None:
    """The run folder under adapters/<domain>/ whose newest checkpoint with weights was written last."""
    root = root or ROOT
    runs = []
    for run in (root / "adapters" / _folder(domain_name)).glob("*/"):
        done = [c for c in run.iterdir() if c.is_dir() and CKPT.match(c.name)
                and any((c / w).is_file() for w in WEIGHT_FILES)]
        if done:
            runs.append((max(_written(c) for c in done), run.name, run))
    return max(runs)[2] if runs else None


def resolve_run(domain_name: str, run: str | None, root: Path | None = None, log=_say) -> str:
    """`run` as given, or the newest run of the domain (printed); UserError if there is none."""
    root = root or ROOT
    if run:
        return run
    found = newest_run(domain_name, root)
    if found is None:
        where = root / "adapters" / _folder(domain_name)
        raise UserError(f"no training run with a checkpoint under {where}/: train one (make demo, make train) or "
                        "name it with RUN=")
    log(f"run: {found.name} (the newest run of {domain_name} under {found.parent}/; RUN= picks another)")
    return found.name


def gate_e_pick(domain_name: str, run: str, root: Path | None = None) -> dict | None:
    """Gate E's decision.json of the run (results/<domain>/<run>/), or None."""
    root = root or ROOT
    p = root / "results" / _folder(domain_name) / Path(run).name / "decision.json"
    if not p.is_file():
        return None
    best = read_json(p).get("best") or {}
    if not best.get("checkpoint"):
        raise UserError(f"{p}: has no best checkpoint (expected gate E's decision.json)")
    return {"checkpoint": best["checkpoint"], "scale": best.get("scale"), "path": p}


def run_folder(domain_name: str, run: str, root: Path | None = None) -> Path:
    p = Path(run)
    return p if (p.is_dir() or "/" in run) else (root or ROOT) / "adapters" / _folder(domain_name) / run


def resolve_adapter(domain_name: str, adapter: str | None, scale: float | None, run: str | None = None,
                    root: Path | None = None, log=_say) -> tuple[str | None, float]:
    """(adapter folder or None for the base alone, scale). `adapter` 'auto' picks as the module says;
    a given `scale` wins over gate E's."""
    root = root or ROOT
    if adapter != AUTO:
        return (None if adapter in (None, "", NONE) else adapter), (1.0 if scale is None else scale)
    if not run and newest_run(domain_name, root) is None:
        log(f"adapter: none (no training run under {root / 'adapters' / _folder(domain_name)}/ yet): the base model "
            "alone")
        return None, 1.0 if scale is None else scale
    run = resolve_run(domain_name, run, root, log)
    pick = gate_e_pick(domain_name, run, root)
    folder = run_folder(domain_name, run, root)
    if pick and (folder / pick["checkpoint"]).is_dir():
        chosen = scale if scale is not None else float(pick["scale"] if pick["scale"] is not None else 1.0)
        log(f"adapter: {folder / pick['checkpoint']} at scale {chosen:g} (gate E's pick, {pick['path']}; "
            "ADAPTER= and SCALE= pick others)")
        return str(folder / pick["checkpoint"]), chosen
    done = [c for c in list_checkpoints(folder) if any((c / w).is_file() for w in WEIGHT_FILES)]
    if not done:
        raise UserError(f"{folder}: no checkpoint with adapter weights yet (is training still saving the first?)")
    last = done[-1]
    chosen = 1.0 if scale is None else scale
    log(f"adapter: {last} at scale {chosen:g} (the run's newest checkpoint: no gate E decision for it; "
        "ADAPTER= and SCALE= pick others)")
    return str(last), chosen


def resolve_baseline(domain_name: str, run: str, model_default: Path, root: Path | None = None, log=_say) -> Path:
    """The baseline results.json for a run's gate E or report when none is named."""
    root = root or ROOT
    res = root / "results" / _folder(domain_name) / Path(run).name
    dec = res / "decision.json"
    if dec.is_file():
        recorded = Path((read_json(dec).get("baseline") or {}).get("results") or "")
        if recorded.name and recorded.is_file() and not read_json(dec).get("against"):
            log(f"baseline: {recorded} (the one gate E compared against, {dec})")
            return recorded
    own = res / "baseline" / "results.json"
    if own.is_file():
        log(f"baseline: {own} (the run's own)")
        return own
    return model_default
