"""Training configuration in TRL's shape: YAML keys are the fields of TRL's method config (SFTConfig,
DPOConfig or GRPOConfig, all TrainingArguments), of TRL's ModelConfig (model_name_or_path, use_peft, lora_r,
lora_target_modules, use_dora, use_rslora, load_in_4bit, ...) and of one small dataclass for what is the
workbench's own (`WorkbenchArgs`: domain, method, data, layers, bf16 auto, batching, ...), plus the options a
domain declares (`Domain.training_options()`). Every TRL/HF training argument passes through unchanged.

Layers, lowest first: the TRL/PEFT defaults < the workbench's defaults (`DEFAULTS`) < the YAML file < the
command line. Keys of the earlier flat config still load, each with a one-line note naming its new key
(training/legacy.py).

What it checks: unknown keys (with "did you mean"), value types, ranges and contradictions, and what TRL's
own config classes refuse, all collected and raised as one `UserError` naming the file (or the command line)
and the key. What it does not check: facts that need the model or the machine (layer indices beyond the
model's depth, a GPU for 4-bit or Unsloth); training/backends.py checks those.
"""
from __future__ import annotations

import dataclasses
import json
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UserError, did_you_mean
from training import checks, coerce, legacy

# method -> TRL config class; the method's code is training/<method>.py (training/run.py's table)
METHODS = {"sft": "SFTConfig", "dpo": "DPOConfig", "grpo": "GRPOConfig"}
# Fields of TRL's config the workbench sets itself: the run folder is `out`, bf16 is tri-state (auto).
OWNED = frozenset({"output_dir", "bf16"})
TARGET_PRESETS = {
    # The Luanti seed trains attention only; the other seeds train every linear layer.
    "attention": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "all-linear": "all-linear",  # PEFT's own keyword: every nn.Linear except the output head
    "all_linear": "all-linear",  # the earlier spelling
}
# Keys that may change between a killed run and its restart without making the checkpoints foreign. `out` and
# `run_name` (the folder's name, a label for the loggers) too: a run folder copied elsewhere, to continue a
# finished run with more steps and keep the original, holds the same checkpoints.
RESUMABLE_KEYS = frozenset({"max_steps", "num_train_epochs", "save_steps", "save_total_limit", "logging_steps",
                            "report_to", "resume", "eval_steps", "disable_tqdm", "out", "run_name"})
# The workbench's defaults over TRL's (TRL's suit a GPU cluster; these a short CPU run), per config part.
DEFAULTS = {
    "training": {"learning_rate": 2e-4, "lr_scheduler_type": "cosine", "warmup_steps": 0.03,
                 "per_device_train_batch_size": 4, "gradient_accumulation_steps": 1, "num_train_epochs": 1.0,
                 "max_length": 1024, "save_strategy": "steps", "save_steps": 100, "save_total_limit": 3,
                 "logging_steps": 10, "logging_first_step": True, "report_to": "tensorboard", "seed": 42,
                 "gradient_checkpointing": False, "disable_tqdm": False, "ddp_find_unused_parameters": False,
                 "completion_only_loss": True, "precompute_ref_log_probs": False,
                 # GRPO: a group of 4 answers per prompt, answers up to 256 tokens, a KL pull to the reference
                 "num_generations": 4, "max_completion_length": 256, "beta": 0.04},
    "model": {"model_name_or_path": "embedded", "use_peft": True, "lora_r": 16, "lora_alpha": 32,
              "lora_dropout": 0.05, "lora_target_modules": "all-linear"},
}
DPO_BETA = 0.1  # DPO's beta (the seed's); GRPO's default above is TRL's earlier 0.04


def _f(default, help):  # noqa: A002 - mirrors dataclasses.field's vocabulary
    return field(default=default, metadata={"help": help})


@dataclass
class WorkbenchArgs:
    """The keys that are the workbench's own (everything else is TRL's, PEFT's or the domain's)."""
    domain: str = _f("", "domain name from domains.REGISTRY (e.g. luanti, mcp_tools)")
    method: str = _f("sft", f"training method: {', '.join(METHODS)} (training/<method>.py)")
    train_data: str = _f("", "training JSONL; empty = the domain's default_train (grpo: its prompts)")
    max_items: int = _f(0, "use only the first N training items (0 = all); for demos and tests")
    eval_items: int = _f(0, "hold out the last N training items and log the eval loss on them every "
                            "eval_steps (0 = no eval); sft only")
    keep_broken_gold: bool = _f(False, "train also on items whose reference the loader found broken; "
                                       "default: drop them with a warning")
    out: str = _f("", "the run folder (checkpoints, run.json, log.jsonl); empty = adapters/<domain>/<run_name>")
    layers: str = _f("", "restrict LoRA to these decoder layers, e.g. '19-23' or '0,2,4'; empty = all")
    bf16: str = _f("auto", "bfloat16 autocast: auto (only where this machine measures bf16 matmuls faster "
                           "than fp32, core/precision.py; bf16 on a CUDA GPU that has it), true, or false")
    batching: str = _f("packed", "sft: packed (padding-free bins, fastest), padded (pad to the longest in the "
                                 "batch) or max_length (pad every sequence to max_length, the seed's way)")
    backend: str = _f("peft", "peft (CPU and GPU) or unsloth (GPU only, sft); both write a PEFT adapter")
    loraplus_lr_ratio: float = _f(0.0, "LoRA+: the lora_B matrices learn this many times faster than lora_A "
                                       "(peft.optimizers.create_loraplus_optimizer; the paper suggests 16); 0 = off")
    sft_run: str = _f("", "dpo (required), grpo (optional): the SFT run folder, or one of its checkpoint-<step>/ "
                          "folders, whose adapter training continues and which is the reference model")
    prefs_data: str = _f("", "dpo: preference JSONL, one {prompt, chosen, rejected} per line (make prefs)")
    resume: bool = _f(True, "continue from the run's last complete checkpoint when there is one")


def parse_layers(text: str) -> list[int]:
    """'19-23' -> [19..23]; '0,2,5-6' -> [0,2,5,6]. Raises ValueError with the offending part."""
    out: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)|(\d+)", part)
        if not m:
            raise ValueError(f"{part!r} is not a layer index or range like 19-23")
        lo, hi = (int(m[1]), int(m[2])) if m[3] is None else (int(m[3]), int(m[3]))
        if hi < lo:
            raise ValueError(f"range {part!r} runs backwards")
        out.update(range(lo, hi + 1))
    return sorted(out)


def method_class(method: str):
    import trl

    return getattr(trl, METHODS[method])


def model_class():
    from trl import ModelConfig

    return ModelConfig


@dataclass
class RunConfig:
    """The resolved config: the workbench's keys, TRL's ModelConfig, the method's TRL config, the domain's
    options. `cfg.key` reads a key from whichever part holds it; `cfg.set(key, value)` writes it there."""
    project: WorkbenchArgs
    model_args: object
    args: object
    options: dict = field(default_factory=dict)

    def _owner(self, name: str):
        for part in (self.project, self.model_args, self.args):
            if name in _names(type(part)) and not (part is self.args and name in OWNED):
                return part
        return None

    def __getattr__(self, name):
        if name.startswith("_") or name in ("project", "model_args", "args", "options"):
            raise AttributeError(name)
        owner = self._owner(name)
        if owner is not None:
            return getattr(owner, name)
        if name in self.options:
            return self.options[name]
        raise AttributeError(f"no training config key {name!r}")

    def set(self, name: str, value) -> None:
        owner = self._owner(name)
        if owner is None:
            raise KeyError(name)
        setattr(owner, name, value)

    def layer_list(self) -> list[int] | None:
        return parse_layers(self.layers) if self.layers.strip() else None

    def target(self):
        """PEFT's target_modules: the 'all-linear' keyword or a list of module names."""
        value = self.lora_target_modules
        names = value if isinstance(value, list) else [m.strip() for m in str(value or "").split(",") if m.strip()]
        if len(names) == 1 and names[0] in TARGET_PRESETS:
            return TARGET_PRESETS[names[0]]
        return names

    def to_dict(self) -> dict:
        """Every key, flat, JSON-safe (what workbench.json and run.json record, and resume compares)."""
        training = {k: v for k, v in self.args.to_dict().items() if k not in OWNED and k != "logging_dir"}
        flat = {**dataclasses.asdict(self.project), **dataclasses.asdict(self.model_args), **training,
                **self.options}
        return json.loads(json.dumps(flat, default=str))


def _names(cls) -> frozenset:
    return frozenset(f.name for f in dataclasses.fields(cls) if f.init)


def parts(method: str, domain=None) -> dict:
    """part name -> dataclass, in the order a key is looked up."""
    found = {"workbench": WorkbenchArgs, "model": model_class(), "training": method_class(method)}
    opts = domain.training_options() if domain is not None else None
    if opts is not None:
        found["domain"] = opts
    return found


def load_yaml(path) -> dict:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UserError(f"config file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise UserError(f"{where}: invalid YAML ({getattr(exc, 'problem', exc)})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of config keys, got {type(data).__name__}")
    return data


def _domain(name: str, problems: list):
    import domains

    if not name:
        return None
    try:
        return domains.get(name)
    except UserError as exc:
        problems.append(str(exc))
        return None


def _sort(layers, known: dict, problems: list) -> dict:
    """[(source, {key: value})] -> {part: {key: typed value}}; unknown keys and bad values -> problems."""
    hints = {name: coerce.hints(cls) for name, cls in known.items()}
    out = {name: {} for name in known}
    for source, values in layers:
        for key, value in values.items():
            if key == legacy.OUTPUT_ROOT:  # placed by _place
                continue
            part = next((p for p, cls in known.items() if key in _names(cls)
                         and not (p == "training" and key in OWNED)), None)
            if part is None:
                everything = set().union(*(_names(c) for c in known.values())) | set(legacy.RENAMED)
                problems.append(f"{source}: unknown key {key!r}{did_you_mean(key, sorted(everything))}")
                continue
            try:
                out[part][key] = coerce.value(hints[part][key], value, key)
            except ValueError as exc:
                problems.append(f"{source}: {key}: {exc}")
    return out


def build(method: str, values: dict, domain=None, problems: list | None = None) -> RunConfig:
    """The RunConfig of `values` ({part: {key: value}}) over the workbench's defaults."""
    problems = [] if problems is None else problems
    known = parts(method, domain)
    training_cls = known["training"]
    train_defaults = {k: v for k, v in DEFAULTS["training"].items() if k in _names(training_cls)}
    if method == "dpo":
        train_defaults["beta"] = DPO_BETA
    built = {}
    for part, cls, defaults in (("workbench", WorkbenchArgs, {}), ("model", known["model"], DEFAULTS["model"]),
                                ("training", training_cls, {**train_defaults, **_machine()}),
                                ("domain", known.get("domain"), {})):
        if cls is None:
            continue
        try:
            with warnings.catch_warnings():  # transformers renames gradient_checkpointing, TRL still sets it
                warnings.filterwarnings("ignore", message=".gradient_checkpointing. is deprecated")
                built[part] = cls(**{**defaults, **values.get(part, {})})
        except (ValueError, TypeError) as exc:  # TRL's and PEFT's own checks in __post_init__
            problems.append(f"{cls.__name__}: {exc}")
            built[part] = cls(**defaults)
    opts = dataclasses.asdict(built["domain"]) if "domain" in built else {}
    return RunConfig(built["workbench"], built["model"], built["training"], opts)


def _machine() -> dict:
    """TRL's arguments that follow the machine: a GPU or not (bf16 is decided at run time, trainer.py)."""
    from training.backends import has_cuda

    return {"output_dir": ".", "bf16": False, "use_cpu": not has_cuda(), "dataloader_pin_memory": has_cuda()}


def resolve(config_path=None, overrides: dict | None = None, note=None) -> RunConfig:
    """Defaults < YAML file < overrides (CLI); old keys are renamed with a note (printed to stderr)."""
    note = note or (lambda text: print(f"note: {text}", file=sys.stderr))
    layers = [(str(config_path), load_yaml(config_path))] if config_path else []
    if overrides:
        layers.append(("command line", dict(overrides)))
    layers = [(source, legacy.upgrade(values, source, note)) for source, values in layers]
    merged = {k: v for _, values in layers for k, v in values.items()}
    method = str(merged.get("method") or "sft")
    problems: list[str] = []
    if method not in METHODS:
        raise UserError(f"invalid training config: method {method!r} is not one of {', '.join(METHODS)}"
                        f"{did_you_mean(method, METHODS)}")
    domain = _domain(str(merged.get("domain") or ""), problems)
    values = _sort(layers, parts(method, domain), problems)
    cfg = build(method, values, domain, problems)
    _place(cfg, config_path, merged)
    problems += checks.problems(cfg, given=merged)
    if problems:
        raise UserError("invalid training config: " + "; ".join(problems))
    return cfg


def _place(cfg: RunConfig, config_path, merged: dict) -> None:
    """The run's name and folder (and the data order's seed: the run's seed unless given)."""
    name = merged.get("run_name") or (Path(config_path).stem if config_path else "")
    if cfg.out:  # the folder named on the command line is the run's name
        name = Path(cfg.out).name
    cfg.args.run_name = name or "run"
    folder = _folder(cfg.domain)
    if legacy.OUTPUT_ROOT in merged:  # the earlier --output-dir: the root of runs, not the run folder
        cfg.project.out = str(Path(merged[legacy.OUTPUT_ROOT]) / folder / cfg.args.run_name)
    cfg.project.out = cfg.out or str(Path("adapters") / folder / cfg.args.run_name)
    cfg.args.output_dir = cfg.out
    if cfg.args.max_steps == 0:  # the earlier "0 = train by epochs"; TRL's value for it is -1 (a 0 trains, but
        cfg.args.max_steps = -1  # the Trainer then records max_steps 0 and a finished run looks unfinished)
    cfg.args.data_seed = cfg.args.seed if cfg.args.data_seed is None else cfg.args.data_seed


def _folder(domain: str) -> str:
    """adapters/<folder>/: a spec domain given by its file path runs under its declared name."""
    import domains

    try:
        return domains.folder_name(domain) if domain else ""
    except UserError:  # an unknown domain: resolve() reports it with the other problems
        return domain


def diff(old: dict, new: dict, method: str = "sft") -> list[str]:
    """Keys whose value differs, ignoring those a restart may change (RESUMABLE_KEYS). A key the old config
    lacks (a checkpoint written before the key existed) counts as its default, which it was trained with;
    a config written with the earlier flat keys is read through their new names."""
    old = legacy.upgrade(old, "", None)
    defaults = build(method, {}).to_dict()
    keys = (set(old) | set(new)) - RESUMABLE_KEYS - {legacy.OUTPUT_ROOT}

    def value(cfg: dict, key: str):
        return cfg[key] if key in cfg else defaults.get(key)

    return sorted(k for k in keys if value(old, k) != value(new, k))
