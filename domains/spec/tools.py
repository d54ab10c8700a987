"""What a spec domain needs from the machine (gate A's toolchain checks: a missing program is ToolMissing,
never a pass) and its default training config, written from the spec's `training:` keys."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from core.meta import ROOT
from domains.base import Toolchain
from domains.spec import checks as C

# What the generated config starts from before the spec's `training:` keys: the CPU demos' LoRA recipe
# (training/smollm2-135m_flutter_demo.yaml), so a spec that names only max_steps trains as they do.
TRAINING_DEFAULTS = {"model_name_or_path": "embedded", "method": "sft", "lora_r": 16, "lora_alpha": 32.0,
                     "lora_dropout": 0.0, "lora_target_modules": "all-linear", "learning_rate": 0.001,
                     "per_device_train_batch_size": 2, "gradient_accumulation_steps": 2,
                     "max_steps": 40, "save_steps": 20, "max_length": 1024, "seed": 42}


def _ok(ok: bool, yes: str, no: str):
    return lambda: (ok, yes if ok else no)


def _command(chk, spec) -> Toolchain:
    path = C.which(chk, spec.folder)
    prog = C.program(chk)
    return Toolchain(f"command:{Path(prog).name}", _ok(bool(path), str(path), f"program {prog!r} not found on PATH "
                     f"(checks[{spec.checks.index(chk)}] of {spec.path})"), f"install {prog!r} or fix `run:`")


def _parses(chk) -> Toolchain | None:
    lang = chk["language"].lower()
    if lang in ("json", "yaml", "python"):
        return None
    module = C.tree_sitter_module(lang)
    found = importlib.util.find_spec(module) is not None and importlib.util.find_spec("tree_sitter") is not None
    return Toolchain(f"tree-sitter:{lang}", _ok(found, module, f"{module} is not importable"),
                     f"pip install tree-sitter {module.replace('_', '-')}")


def _file(kind: str, path: Path, hint: str) -> Toolchain:
    return Toolchain(f"{kind}:{path.name}", lambda: (path.exists(), str(path) if path.exists() else f"{path}: not found"),
                     hint)


def toolchains(spec) -> list:
    from domains import sandbox

    out, need_sandbox = [], False
    for chk in spec.checks:
        kind = chk["kind"]
        if kind == "command":
            out.append(_command(chk, spec))
            need_sandbox = True
        elif kind == "parses":
            out += [t for t in [_parses(chk)] if t]
        elif kind == "python":
            out.append(_file("python", spec.absolute(chk["file"]), "fix `file:` of the python check"))
        elif kind == "sql":
            out.append(_file("database", spec.absolute(chk["database"]), "make data DOMAIN=... builds it"))
        elif kind == "json_schema" and chk.get("schema_file"):
            out.append(_file("schema", spec.absolute(chk["schema_file"]), "fix `schema_file:`"))
    if need_sandbox:
        out.append(Toolchain("sandbox", sandbox.available, "run as root (unshare -n) or allow user namespaces"))
    unique = {t.name: t for t in out}
    return list(unique.values())


def write_training_config(domain) -> str:
    """results/<name>/training/<name>_lora.yaml from TRAINING_DEFAULTS and the spec's `training:` keys;
    rewritten each call (it is derived, never edited by hand). Returns its path."""
    spec = domain.spec
    keys = {**TRAINING_DEFAULTS, **spec.training, "domain": domain.key}
    out = ROOT / "results" / spec.name / "training" / f"{spec.name}_lora.yaml"
    head = (f"# .venv/bin/python scripts/train.py --config {out.relative_to(ROOT)} --out adapters/{spec.name}/demo\n"
            f"# Generated from {spec.resolve(spec.path.name)} (its `training:` keys over the CPU demo's LoRA recipe, "
            "domains/spec/tools.py); edit the spec, not this file.\n")
    from core.files import atomic_write_text

    atomic_write_text(out, head + yaml.safe_dump(keys, sort_keys=False))
    return str(out.relative_to(ROOT))
