"""What every output records about how it was made: commit, versions, host, time."""
from __future__ import annotations

import datetime as _dt
import importlib.metadata as md
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The one default seed of the scripts' --seed flags: the generation default every gate B/D/prefs result made
# without --seed used (keeping it keeps them reproducible). The demo passes its own seed explicitly.
DEFAULT_SEED = 1234
TRACKED_PACKAGES = ("torch", "transformers", "peft", "trl", "accelerate", "datasets", "lupa", "gguf")


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        commit = out.stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions(names=TRACKED_PACKAGES) -> dict:
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def run_info() -> dict:
    """The block every results/decision/checkpoint file carries."""
    return {
        "git_commit": git_commit(),
        "versions": versions(),
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "system": platform.system()},
        "created": now(),
    }
