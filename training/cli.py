"""scripts/train.py's command line: one flag per config key (TRL's names, from TRL's own dataclasses through
transformers' HfArgumentParser, with their help), the workbench's keys and the domain's options, and the
earlier spellings, which still work with a one-line note (training/legacy.py).

Two passes: `--config`, `--domain` and `--method` are read first, because the method picks TRL's config
class (SFTConfig, DPOConfig, GRPOConfig) and the domain may add options; then the full parser reads
everything. Flags hold no defaults of their own (argparse.SUPPRESS): only flags given on the command line
override the YAML; the help shows the workbench's default.
"""
from __future__ import annotations

import argparse

from transformers import HfArgumentParser

from core.errors import UserError
from core.files import shipped
from training import config, legacy

OLD_FLAGS = {  # earlier spelling -> the key it fills (dest), for one version
    "--output": "output", "--run-dir": "run_dir", "--output-dir": "output_dir", "--train": "train",
    "--batch-size": "batch_size", "--grad-accum": "grad_accum", "--num-epochs": "num_epochs",
    "--lr-scheduler": "lr_scheduler", "--warmup-ratio": "warmup_ratio",
    "--target-modules": "target_modules",
}


class _Parser(HfArgumentParser):
    """HfArgumentParser without the fields of TRL's config the workbench owns (output_dir, bf16)."""
    _skipping = False

    def _add_dataclass_arguments(self, dtype):
        self._skipping = dtype.__module__.startswith("trl.")  and dtype.__name__ in config.METHODS.values()
        super()._add_dataclass_arguments(dtype)

    def _parse_dataclass_field(self, parser, field):  # overrides a staticmethod, called through self
        if self._skipping and field.name in config.OWNED:
            return None
        return HfArgumentParser._parse_dataclass_field(parser, field)


def _early(argv) -> argparse.Namespace:
    early = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for flag in ("--config", "--domain", "--method"):
        early.add_argument(flag, default=None)
    return early.parse_known_args(argv)[0]


def plan(argv) -> tuple[str | None, str, object]:
    """(config path, method, domain object or None) from a first look at the command line and the YAML."""
    import domains

    first = _early(argv)
    path = first.config
    if not path and first.domain:  # '' = a domain without a default config: flags only
        path = shipped(domains.get(first.domain).default_training_config() or "") or None
    data = legacy.upgrade(config.load_yaml(path), "", None) if path else {}
    method = first.method or str(data.get("method") or "sft")
    name = first.domain or data.get("domain")
    try:
        domain = domains.get(name) if name else None
    except UserError:  # an unknown domain: config.resolve reports it with every other problem
        domain = None
    return path, (method if method in config.METHODS else "sft"), domain


def make_parser(method: str = "sft", domain=None, description: str = "") -> argparse.ArgumentParser:
    known = config.parts(method, domain)
    parser = _Parser(list(known.values()), description=description, allow_abbrev=False,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="YAML config (its keys are the flags below); default with --domain "
                                         "alone: the domain's default_training_config()")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    defaults = config.build(method, {}, domain).to_dict()
    for action in parser._actions:
        if action.dest == "help":
            continue
        action.default, action.required = argparse.SUPPRESS, False
        if action.dest in defaults and not action.option_strings[0].startswith("--no_"):
            action.help = f"{action.help or ''} (default: {defaults[action.dest]!r})".strip()
    # `--model` is what every other script of the workbench calls the base model: kept as a current
    # spelling of ModelConfig's model_name_or_path, not a deprecated one
    parser.add_argument("--model", dest="model_name_or_path", default=argparse.SUPPRESS, metavar="MODEL",
                        help="the base model (embedded, a local folder or a model id): --model_name_or_path")
    old = parser.add_argument_group("earlier spellings (deprecated, each prints a note)")
    for flag, dest in OLD_FLAGS.items():
        new = legacy.RENAMED.get(dest) or legacy.PEFT_NAMES.get(dest) or "out"
        old.add_argument(flag, dest=dest, default=argparse.SUPPRESS,
                         help=f"deprecated: use --{new.replace('_', '-')}", metavar=new.upper())
    return parser
