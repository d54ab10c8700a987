"""Gate C: LoRA/QLoRA fine-tuning of a base model on a domain's chat data (TRL SFT, completion-only loss).

    .venv/bin/python scripts/train.py --config training/smollm2-135m_luanti_demo.yaml [--lora-r 64 ...]
    .venv/bin/python -m accelerate.commands.launch --config_file training/accelerate/cpu_ddp.yaml scripts/train.py --config X.yaml

The YAML gives the defaults, every flag overrides the key of the same name (--lora-r -> lora_r). Writes
adapters/<domain>/<run_name>/checkpoint-<step>/ (PEFT adapter + workbench.json) and run.json; rerunning a
killed run with the same command resumes from its last checkpoint.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.errors import UserError  # noqa: E402
from training import config  # noqa: E402


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--config", help="YAML config under training/ (its keys are the flags below)")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    config.add_arguments(parser)
    return parser


def main(argv=None) -> int:
    args = vars(make_parser().parse_args(argv))
    path, show = args.pop("config"), args.pop("print_config")
    try:
        cfg = config.resolve(path, args)
        if show:
            import yaml

            print(yaml.safe_dump(cfg.to_dict(), sort_keys=False), end="")
            return 0
        from training.sft import train

        record = train(cfg)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", "0")) == 0:  # one summary line, not one per DDP process
        print(f"[train] {record['status']} at step {record['step']} in {record['wall_time_s']:.1f} s; "
              f"checkpoints: {', '.join(record['checkpoints'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
