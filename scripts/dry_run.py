"""The GPU training path of a config checked on paper: LoRA modules on the meta-device model and the peak VRAM
estimate on an RTX 3090, with no GPU, no weights and no download.

    .venv/bin/python scripts/dry_run.py --config training/gpt-oss-20b_luanti_qlora.yaml [--json out.json]
    (make dry-run CONFIG=training/gpt-oss-20b_luanti_qlora.yaml)

Exit 0 when the estimate fits the card, 1 when it does not, 2 on a usage error. See training/dryrun.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval import cli  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(description="Resolve a training config, attach LoRA on the meta device, "
                                            "estimate peak VRAM on an RTX 3090.")
    p.add_argument("--config", nargs="+", required=True, help="training YAML(s)")
    p.add_argument("--json", default=None, help="also write the full results (every LoRA module) here")
    return p


@cli.entry
def main(argv=None):
    args = make_parser().parse_args(argv)
    from core.files import atomic_write_json
    from training import dryrun

    results = [dryrun.dry_run(c) for c in args.config]
    print("\n\n".join(dryrun.report(r) for r in results))
    if args.json:
        atomic_write_json(Path(args.json), results)
    return 0 if all(r["rtx_3090"]["fits"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
