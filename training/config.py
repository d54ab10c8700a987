"""Training configuration: one flat dataclass, YAML files as defaults, CLI flags on top.

What it checks: unknown keys (with "did you mean"), value types, ranges and contradictory settings, all
collected and raised as one `UserError`. What it does not check: facts that need the model or the
machine (layer indices beyond the model's depth, a GPU for QLoRA/Unsloth); `training.sft` checks those.

Every field's `help` is both the CLI help and the documentation of the YAML key of the same name.
"""
from __future__ import annotations

import argparse
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UserError, did_you_mean

TARGET_PRESETS = {
    # The Luanti seed trains attention only; the other seeds train every linear layer.
    "attention": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "all_linear": "all-linear",  # PEFT's own keyword: every nn.Linear except the output head
}
BATCHING = ("packed", "padded", "max_length")
METHODS = ("lora", "qlora", "dpo")
DPO_LOSSES = ("sigmoid", "hinge", "ipo")  # the seed's options
BACKENDS = ("peft", "unsloth")
SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup")
# Keys that may change between a killed run and its restart without making the checkpoints foreign.
RESUMABLE_KEYS = frozenset({"max_steps", "num_epochs", "save_steps", "save_total_limit", "logging_steps",
                            "report_to", "resume"})


def _f(default, help):  # noqa: A002 - mirrors dataclasses.field's vocabulary
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    # --- what ---
    domain: str = _f("", "domain name from domains.REGISTRY (e.g. luanti, mcp_tools)")
    model: str = _f("embedded", "base model: 'embedded', a local folder, a .gguf file or a hub id")
    train_data: str = _f("", "training JSONL; empty = the domain's default_train")
    max_items: int = _f(0, "use only the first N training items (0 = all); for demos and tests")
    keep_broken_gold: bool = _f(False, "train also on items whose reference the loader found broken (does "
                                       "not run, calls a missing tool); default: drop them with a warning")
    run_name: str = _f("", "run folder name under adapters/<domain>/; empty = the config file's stem")
    output_dir: str = _f("adapters", "root folder of runs: <output_dir>/<domain>/<run_name>/")
    run_dir: str = _f("", "explicit run folder (make train passes adapters/DOMAIN/RUN); overrides the above")
    specialist: str = _f("", "domain specialist (mcp_tools: analysis, debug, editor): its prompt and "
                             "training mix; the domain must offer configure(specialist=)")
    # --- how ---
    method: str = _f("lora", "lora (full-precision base), qlora (4-bit base through bitsandbytes, GPU) or dpo "
                             "(Direct Preference Optimization continuing the adapter of --sft-run, which is also "
                             "the reference model; the base loads as the SFT run loaded it)")
    backend: str = _f("peft", "peft (CPU and GPU) or unsloth (GPU only); both write a PEFT adapter")
    lora_r: int = _f(16, "LoRA rank")
    lora_alpha: float = _f(32.0, "LoRA alpha (the update is scaled by alpha / r)")
    lora_dropout: float = _f(0.05, "dropout on the LoRA input, in [0, 1)")
    target_modules: str = _f("all_linear", "'attention' (q,k,v,o_proj), 'all_linear', or a comma list of "
                                           "module names")
    layers: str = _f("", "restrict LoRA to these decoder layers, e.g. '19-23' or '0,2,4'; empty = all")
    # --- preference training (method: dpo) ---
    sft_run: str = _f("", "dpo: the SFT run folder (or one of its checkpoint-<step>/ folders; a run = its last "
                          "checkpoint) whose adapter DPO continues and which serves as the reference model")
    prefs_data: str = _f("", "dpo: preference JSONL, one {prompt, chosen, rejected} per line (strings or chat "
                             "messages): the seed's DPO export, or validator-made pairs (make prefs)")
    beta: float = _f(0.1, "dpo: how far the policy may move from the reference (higher = closer)")
    loss_type: str = _f("sigmoid", f"dpo: the loss, one of {', '.join(DPO_LOSSES)}")
    # --- optimisation ---
    learning_rate: float = _f(2e-4, "peak learning rate")
    lr_scheduler: str = _f("cosine", f"learning-rate schedule: {', '.join(SCHEDULERS)}")
    warmup_ratio: float = _f(0.03, "fraction of the total steps spent warming up, in [0, 1)")
    weight_decay: float = _f(0.0, "AdamW weight decay")
    loraplus_lr_ratio: float = _f(0.0, "LoRA+: the lora_B matrices learn this many times faster than lora_A "
                                       "(peft.optimizers.create_loraplus_optimizer; the paper suggests 16); "
                                       "0 = off, one learning rate for all")
    max_grad_norm: float = _f(1.0, "gradient clipping norm (0 = off)")
    batch_size: int = _f(4, "sequences per device per micro-batch")
    grad_accum: int = _f(1, "micro-batches accumulated per optimiser step")
    max_steps: int = _f(0, "optimiser steps to run (0 = use num_epochs)")
    num_epochs: float = _f(1.0, "epochs over the data when max_steps is 0")
    seed: int = _f(42, "random seed (weights init, data order, dropout)")
    # --- batching and speed ---
    max_length: int = _f(1024, "tokens per sequence (packed: per bin); longer items are truncated")
    batching: str = _f("packed", "packed (padding-free bins, fastest), padded (pad to the longest in the "
                                 "batch) or max_length (pad every sequence to max_length, the seed's way)")
    bf16: str = _f("auto", "bfloat16 autocast: auto (only where this machine measures bf16 matmuls faster than "
                           "fp32, see core/precision.py; bf16 on a CUDA GPU that supports it), true, or false "
                           "(fp32); the base weights stay float32")
    gradient_checkpointing: bool = _f(False, "recompute activations in backward to save memory")
    # --- outputs ---
    save_steps: int = _f(100, "write a checkpoint every N optimiser steps (and at the last step)")
    save_total_limit: int = _f(3, "keep only the last K checkpoints")
    logging_steps: int = _f(10, "log loss, tokens/s and ETA every N steps")
    report_to: str = _f("tensorboard", "comma list of loggers: tensorboard, wandb, or none")
    resume: bool = _f(True, "continue from the run's last complete checkpoint when there is one")

    def layer_list(self) -> list[int] | None:
        return parse_layers(self.layers) if self.layers.strip() else None

    def target(self):
        if self.target_modules in TARGET_PRESETS:
            return TARGET_PRESETS[self.target_modules]
        return [m.strip() for m in self.target_modules.split(",") if m.strip()]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}


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


BF16_VALUES = {"auto": "auto", "true": "true", "yes": "true", "1": "true", "false": "false", "no": "false",
               "0": "false"}


def _coerce(name: str, value):
    """YAML/CLI value -> the field's type; ValueError with what was expected."""
    kind = FIELDS[name].type
    if name == "bf16":  # a tri-state: auto | true | false (YAML booleans accepted)
        key = str(value).lower() if not isinstance(value, bool) else ("true" if value else "false")
        if key not in BF16_VALUES:
            raise ValueError(f"expected auto, true or false, got {value!r}")
        return BF16_VALUES[key]
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        raise ValueError(f"expected true or false, got {value!r}")
    if kind == "int":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"expected an integer, got {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected an integer, got {value!r}") from None
    if kind == "float":
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {value!r}") from None
    if isinstance(value, list):  # YAML lists for layers/target_modules/report_to
        return ",".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def apply(cfg: TrainConfig, values: dict, source: str) -> TrainConfig:
    """Set `values` on `cfg`; every unknown key and bad value is reported at once, naming `source`."""
    problems = []
    for key, value in values.items():
        if key not in FIELDS:
            problems.append(f"unknown key {key!r}{did_you_mean(key, FIELDS)}")
            continue
        try:
            setattr(cfg, key, _coerce(key, value))
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    if problems:
        raise UserError(f"{source}: " + "; ".join(problems))
    return cfg


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


def validate(cfg: TrainConfig) -> TrainConfig:
    """Collect every range problem and contradiction, raise them together."""
    p = []
    if not cfg.domain:
        p.append("domain is required (e.g. --domain luanti)")
    for name, allowed in (("method", METHODS), ("backend", BACKENDS), ("batching", BATCHING),
                          ("lr_scheduler", SCHEDULERS)):
        if getattr(cfg, name) not in allowed:
            val = getattr(cfg, name)
            p.append(f"{name} {val!r} is not one of {', '.join(allowed)}{did_you_mean(val, allowed)}")
    for name in ("lora_r", "batch_size", "grad_accum", "max_length", "save_steps", "save_total_limit",
                 "logging_steps"):
        if getattr(cfg, name) < 1:
            p.append(f"{name} must be at least 1, got {getattr(cfg, name)}")
    for name in ("max_steps", "max_items", "seed"):
        if getattr(cfg, name) < 0:
            p.append(f"{name} must be 0 or more, got {getattr(cfg, name)}")
    if cfg.lora_alpha <= 0:
        p.append(f"lora_alpha must be positive, got {cfg.lora_alpha}")
    if not 0 <= cfg.lora_dropout < 1:
        p.append(f"lora_dropout must be in [0, 1), got {cfg.lora_dropout}")
    if not 0 <= cfg.warmup_ratio < 1:
        p.append(f"warmup_ratio must be in [0, 1), got {cfg.warmup_ratio}")
    if cfg.learning_rate <= 0:
        p.append(f"learning_rate must be positive, got {cfg.learning_rate}")
    if cfg.max_grad_norm < 0 or cfg.weight_decay < 0:
        p.append("max_grad_norm and weight_decay must be 0 or more")
    if cfg.loraplus_lr_ratio and cfg.loraplus_lr_ratio < 1:
        p.append(f"loraplus_lr_ratio must be 0 (off) or at least 1, got {cfg.loraplus_lr_ratio}")
    p += _dpo_problems(cfg)
    if cfg.max_steps == 0 and cfg.num_epochs <= 0:
        p.append("nothing to train: max_steps is 0 and num_epochs is not positive; set one of them")
    if not cfg.target():
        p.append("target_modules is empty")
    if cfg.layers.strip():
        try:
            cfg.layer_list()
        except ValueError as exc:
            p.append(f"layers: {exc}")
    reporters = [r.strip() for r in cfg.report_to.split(",") if r.strip()]
    bad = [r for r in reporters if r not in ("tensorboard", "wandb", "none")]
    if bad:
        p.append(f"report_to: unknown logger(s) {', '.join(bad)}; use tensorboard, wandb or none")
    if "none" in reporters and len(reporters) > 1:
        p.append("report_to: 'none' cannot be combined with other loggers")
    if p:
        raise UserError("invalid training config: " + "; ".join(p))
    return cfg


def _dpo_problems(cfg) -> list[str]:
    if cfg.method != "dpo":
        given = [k for k in ("sft_run", "prefs_data") if getattr(cfg, k)]
        return [f"{', '.join(given)} only apply to method dpo"] if given else []
    p = [f"method dpo needs {k} (--{k.replace('_', '-')})" for k in ("sft_run", "prefs_data")
         if not getattr(cfg, k)]
    if cfg.loss_type not in DPO_LOSSES:
        p.append(f"loss_type {cfg.loss_type!r} is not one of {', '.join(DPO_LOSSES)}"
                 f"{did_you_mean(cfg.loss_type, DPO_LOSSES)}")
    if cfg.beta <= 0:
        p.append(f"beta must be positive, got {cfg.beta}")
    if cfg.batching == "packed":
        p.append("method dpo pairs a chosen and a rejected answer per row and cannot pack them: set batching "
                 "padded or max_length")
    if cfg.backend != "peft":
        p.append("method dpo runs on the peft backend only")
    return p


ALIASES = {"train_data": ["--train"], "run_dir": ["--output"]}  # the names the Makefile uses


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One --kebab-case flag per field; a flag given on the command line wins over the YAML."""
    for name, f in FIELDS.items():
        flag = ["--" + name.replace("_", "-"), *ALIASES.get(name, [])]
        helptext = f"{f.metadata['help']} (default {f.default!r})"
        if name == "bf16":
            parser.add_argument(*flag, dest=name, nargs="?", const="true", default=argparse.SUPPRESS,
                                help=helptext, metavar="auto|true|false")
            parser.add_argument("--no-bf16", dest=name, action="store_const", const="false",
                                default=argparse.SUPPRESS, help="same as --bf16 false")
        elif f.type == "bool":
            parser.add_argument(*flag, dest=name, action=argparse.BooleanOptionalAction,
                                default=argparse.SUPPRESS, help=helptext)
        else:
            parser.add_argument(*flag, dest=name, default=argparse.SUPPRESS, help=helptext, metavar="V")


def resolve(config_path=None, overrides: dict | None = None) -> TrainConfig:
    """Dataclass defaults < YAML file < overrides (CLI). The run name defaults to the YAML's stem."""
    cfg = TrainConfig()
    if config_path:
        apply(cfg, load_yaml(config_path), str(config_path))
        if not cfg.run_name:
            cfg.run_name = Path(config_path).stem
    if overrides:
        apply(cfg, overrides, "command line")
    if cfg.run_dir:  # the folder named on the command line is the run's name
        cfg.run_name = Path(cfg.run_dir).name
    cfg.run_name = cfg.run_name or "run"
    return validate(cfg)


def diff(old: dict, new: dict) -> list[str]:
    """Keys whose value differs, ignoring those a restart may change (RESUMABLE_KEYS). A key the old config
    lacks (a checkpoint written before the key existed) counts as its default, which it was trained with."""
    keys = (set(old) | set(new)) - RESUMABLE_KEYS

    def value(cfg: dict, key: str):
        return cfg[key] if key in cfg else getattr(FIELDS.get(key), "default", None)

    return sorted(k for k in keys if value(old, k) != value(new, k))
