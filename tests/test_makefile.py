"""The Makefile as a user meets it: the environment its recipes get, `make help` naming every variable it
reads, and the commands after `make demo` taking the newest run and gate E's pick without RUN=/ADAPTER=."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from core.meta import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make not installed")
MAKEFILE = (ROOT / "Makefile").read_text()
STAMP = ".venv/.ready-cpu"  # treated as up to date (-o), so no target rebuilds the venv


def make(*args, env_drop=()):
    env = {k: v for k, v in os.environ.items() if k not in env_drop and k != "MAKEFLAGS"}
    r = subprocess.run(["make", "--no-print-directory", "-s", *args], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def recipe_env(*assignments) -> dict:
    """The environment a recipe of the Makefile runs with (a probe target added with --eval)."""
    out = make("--eval", "wb-env-probe: ; @env -0", "wb-env-probe", *assignments,
               env_drop=("HF_HUB_OFFLINE", "TOKENIZERS_PARALLELISM", "PYTHONUNBUFFERED", "DOMAIN", "STACK"))
    return dict(kv.split("=", 1) for kv in out.split("\0") if kv)


def test_recipes_get_each_exported_value_exactly():
    env = recipe_env()
    assert env["HF_HUB_OFFLINE"] == "1" and env["TOKENIZERS_PARALLELISM"] == "false"
    assert env["PYTHONUNBUFFERED"] == "1" and env["DOMAIN"] == "luanti" and env["STACK"] == "cpu"
    for name in re.findall(r"^export\s+(\w+)", MAKEFILE, re.M):
        assert name in env and not env[name].endswith("="), (name, env.get(name))
    assert recipe_env("DOMAIN=flutter")["DOMAIN"] == "flutter"


def test_one_variable_per_export_line():
    for line in re.findall(r"^export\s+(.*)$", MAKEFILE, re.M):
        assert re.fullmatch(r"\w+(\s*:=\s*\S+)?", line.strip()), f"one `export NAME [:= value]` a line: {line!r}"


def read_variables() -> set[str]:
    """Every variable the Makefile reads that a user can set: `$(NAME)` references and `export NAME`s that
    the Makefile does not compute itself (`:=`), without make's own."""
    refs = set(re.findall(r"\$[({]([A-Z_][A-Z0-9_]*)[)}]", MAKEFILE))
    exported = {m for m in re.findall(r"^export\s+(\w+)\s*$", MAKEFILE, re.M)}
    internal = set(re.findall(r"^(\w+)\s*:=", MAKEFILE, re.M)) | {"MAKEFILE_LIST"}
    return (refs | exported | set(re.findall(r"^(\w+)\s*\?=", MAKEFILE, re.M))) - internal


def test_help_lists_every_variable_the_makefile_reads():
    out = make("help")
    listed = set(re.findall(r"^  ([A-Z_][A-Z0-9_]*)\s", out.split("Variables", 1)[1], re.M))
    read = read_variables()
    # the environment variables the scripts read, which the issue found missing from help
    assert {"TOOLS", "ALLOW_DOWNLOAD", "WB_SKIP_SYSDEPS", "BENCH_DOMAIN"} <= read
    assert read == listed, f"read but not in help: {sorted(read - listed)}; in help, never read: {sorted(listed - read)}"


def dry_run(target, *assignments) -> str:
    return make("-n", "-o", STAMP, target, *assignments)


@pytest.mark.parametrize("target", ["gate-d", "gate-e", "report", "prefs"])
def test_run_targets_leave_the_run_to_the_script_unless_given(target):
    assert "--run" not in dry_run(target)
    assert "--run r7" in dry_run(target, "RUN=r7")


@pytest.mark.parametrize("target", ["serve", "chat", "export", "bench-serve"])
def test_adapter_targets_ask_for_the_automatic_pick_by_default(target):
    cmd = dry_run(target)
    assert "--adapter auto" in cmd and "--scale" not in cmd and "--run" not in cmd
    cmd = dry_run(target, "ADAPTER=adapters/x/ck", "SCALE=0.5", "RUN=r7")
    assert "--adapter adapters/x/ck --scale 0.5 --run r7" in cmd


def test_train_keeps_its_default_run_folder():
    assert "adapters/luanti/luanti-lora" in dry_run("train")
    assert "adapters/flutter/mine" in dry_run("train", "DOMAIN=flutter", "RUN=mine")
