"""Adapter and checkpoint checks, done before any model is loaded.

Checks: the folder is a PEFT adapter (adapter_config.json) or a fully fine-tuned model (config.json, written
by a run with use_peft false), it has weights (adapter_model.* or model.*), and it was trained on the base
model we are asked to use (workbench.json `base_model`, else adapter_config `base_model_name_or_path`).
Does not check that the weights load or fit the architecture: PEFT or transformers does that at load time
and its error is kept. A full checkpoint has no adapter to rescale: it is evaluated at scale 1.0 only.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from core.errors import UserError
from core.files import read_json

WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")
FULL_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                     "pytorch_model.bin.index.json")
CKPT = re.compile(r"^checkpoint-(\d+)$")


def _real(p) -> str:
    return os.path.realpath(os.path.expanduser(str(p))) if p else ""


def _model_ids(ref) -> set:
    ids = {ref.spec, ref.path, ref.name, _real(ref.path)}
    if ref.kind in ("local", "gguf"):
        ids.add(_real(ref.spec))
    return {i for i in ids if i}


def adapter_base(adapter_dir: Path) -> dict:
    """What the adapter says its base model was: workbench.json first, adapter_config second."""
    wb = adapter_dir / "workbench.json"
    if wb.is_file():
        base = read_json(wb).get("base_model") or {}
        if isinstance(base, dict) and (base.get("name") or base.get("path")):
            return {"source": "workbench.json", **base}
    if not (adapter_dir / "adapter_config.json").is_file():  # a full checkpoint without workbench.json
        return {"source": "none", "path": ""}
    cfg = read_json(adapter_dir / "adapter_config.json")
    return {"source": "adapter_config.json", "path": cfg.get("base_model_name_or_path") or ""}


def is_full(d) -> bool:
    """A fully fine-tuned checkpoint: a whole model (config.json), no adapter."""
    return not (Path(d) / "adapter_config.json").is_file() and (Path(d) / "config.json").is_file()


def check_adapter(adapter_dir, ref) -> dict:
    """Raise UserError unless `adapter_dir` is a usable adapter, or fully fine-tuned model, for base model
    `ref`; return its info (`kind`: adapter or full)."""
    d = Path(adapter_dir)
    if not d.is_dir():
        raise UserError(f"adapter folder {d} does not exist")
    kind = "full" if is_full(d) else "adapter"
    if kind == "adapter" and not (d / "adapter_config.json").is_file():
        raise UserError(f"{d}: not a PEFT adapter (no adapter_config.json) nor a fully fine-tuned model "
                        "(no config.json)")
    wanted = FULL_WEIGHT_FILES if kind == "full" else WEIGHT_FILES
    weights = [w for w in wanted if (d / w).is_file()]
    if not weights:
        raise UserError(f"{d}: checkpoint has no {'model' if kind == 'full' else 'adapter'} weights (expected one "
                        f"of {', '.join(wanted)}); was training killed while saving?")
    base = adapter_base(d)
    ids = _model_ids(ref)
    theirs = {base.get("name"), base.get("spec") if base.get("kind") != "embedded" else None,
              base.get("path"), _real(base.get("path"))} - {None, ""}
    if base.get("kind") == "embedded" and ref.kind == "embedded":
        theirs.add(ref.name)  # the embedded cache path differs between machines; its name does not
    if not theirs:
        status = "unverified"
    elif theirs & ids:
        status = "match"
    else:
        said = base.get("name") or base.get("path")
        raise UserError(f"{d}: {kind} was trained on base model {said!r} ({base['source']}), but MODEL is "
                        f"{ref.name or ref.spec!r}; pass the matching MODEL= or another adapter")
    return {"path": str(d), "kind": kind, "weights": weights[0], "base_model": base, "base_check": status,
            "workbench": _workbench(d)}


def _workbench(d: Path) -> dict:
    wb = d / "workbench.json"
    return read_json(wb) if wb.is_file() else {}


def list_checkpoints(run_dir) -> list[Path]:
    """checkpoint-<step> folders of a training run, by step; a checkpoint-<step> folder itself is a run
    of that one checkpoint (gate D on the checkpoint an earlier gate E picked, nothing else)."""
    run = Path(run_dir)
    if not run.is_dir():
        raise UserError(f"training run folder {run} does not exist (expected adapters/<domain>/<run>/)")
    if CKPT.match(run.name):
        return [run]
    found = [(int(m.group(1)), p) for p in run.iterdir() if p.is_dir() and (m := CKPT.match(p.name))]
    if not found:
        raise UserError(f"{run}: no checkpoint-<step>/ folders found")
    return [p for _, p in sorted(found)]


def checkpoint_step(path: Path) -> int | None:
    m = CKPT.match(Path(path).name)
    if m:
        return int(m.group(1))
    wb = Path(path) / "workbench.json"
    if wb.is_file():
        step = json.loads(wb.read_text()).get("step")
        return int(step) if isinstance(step, int) else None
    return None
