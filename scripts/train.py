"""Gate C: fine-tune a base model on a domain, one method from training/run.py's table (sft, dpo, grpo).

    .venv/bin/python scripts/train.py --domain DOMAIN          # the domain's default config
    .venv/bin/python scripts/train.py --config training/<model>_<domain>_demo.yaml --out adapters/<domain>/demo
    .venv/bin/python scripts/train.py --config training/<model>_<domain>_grpo.yaml --sft-run adapters/<domain>/demo
    .venv/bin/python -m accelerate.commands.launch --config_file training/accelerate/cpu_ddp.yaml scripts/train.py --config X.yaml

YAML keys and flags are TRL's (SFTConfig/DPOConfig/GRPOConfig, ModelConfig) plus the workbench's and the
domain's; a flag overrides the key of the same name (--lora-r -> lora_r). `--method M --help` lists M's keys.
Writes <out>/checkpoint-<step>/ (adapter + workbench.json) and run.json; rerunning a killed run with the
same command resumes from its last checkpoint. docs/training-config.md describes the keys.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.errors import UserError  # noqa: E402
from training import cli, config  # noqa: E402


def make_parser(argv=None):
    _, method, domain = cli.plan(argv or [])
    return cli.make_parser(method, domain, description=__doc__)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        path, method, domain = cli.plan(argv)
        args = vars(cli.make_parser(method, domain, description=__doc__).parse_args(argv))
        args.pop("config", None)
        show = args.pop("print_config", False)
        cfg = config.resolve(path, args)
        if show:
            import yaml

            print(yaml.safe_dump(cfg.to_dict(), sort_keys=False), end="")
            return 0
        from training.run import train

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
