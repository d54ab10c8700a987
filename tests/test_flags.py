"""One name per flag across the scripts (train.py has its own tests): help text on every option, the
earlier spellings still parsed with a one-line note, one default seed, and the Makefile using the new names."""
from __future__ import annotations

import argparse
import functools
import importlib.util
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from core.meta import DEFAULT_SEED, ROOT

SCRIPTS = sorted(p for p in (ROOT / "scripts").glob("*.py") if p.name != "train.py") + [ROOT / "env" / "gate_a.py"]


@functools.cache
def module_of(path):
    spec = importlib.util.spec_from_file_location(f"wb_script_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses in a script look their module up
    spec.loader.exec_module(mod)
    return mod


def parser_of(path):
    return module_of(path).make_parser()


def options(parser):
    return [a for a in parser._actions if a.option_strings and a.help != argparse.SUPPRESS
            and not isinstance(a, argparse._HelpAction)]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_option_says_what_it_does(path):
    parser = parser_of(path)
    assert parser.format_help()
    bare = [a.option_strings[0] for a in options(parser)
            if len(re.findall(r"[A-Za-z]{3,}", re.sub(r"\(default[^)]*\)", "", a.help or ""))) < 2]
    assert not bare, f"{path.name}: options without help text: {bare}"


BASE = {"audit": ["--domain", "luanti"], "baseline": ["--domain", "luanti"], "gate_d": ["--domain", "luanti"],
        "generate": ["--domain", "luanti"], "score": ["--domain", "luanti", "--out", "o"],
        "prefs": ["--domain", "luanti"], "judge": ["--results", "r", "--judge-model", "m"],
        "teacher": ["--domain", "luanti", "--base-url", "u", "--model", "m", "--count", "1"], "gate_a": [],
        "open_facts": ["--domain", "luanti"]}
RENAMED = [("audit", "--data", "--eval-data"), ("audit", "--train", "--train-data"),
           ("baseline", "--data", "--eval-data"), ("baseline", "--train", "--train-data"),
           ("gate_d", "--data", "--eval-data"), ("gate_d", "--train", "--train-data"),
           ("generate", "--data", "--eval-data"), ("score", "--data", "--eval-data"),
           ("prefs", "--train", "--train-data"), ("teacher", "--train", "--train-data"),
           ("teacher", "--eval", "--eval-data"), ("judge", "--judge-url", "--base-url"),
           ("gate_a", "--data", "--eval-data"), ("gate_a", "--train", "--train-data"),
           ("open_facts", "--data", "--eval-data")]


def script(name):
    return next(p for p in SCRIPTS if p.stem == name)


@pytest.mark.parametrize("name,old,new", RENAMED, ids=lambda x: str(x))
def test_earlier_spellings_still_work_with_a_note(name, old, new, capsys):
    parser = parser_of(script(name))
    by_new = vars(parser.parse_args(BASE[name] + [new, "f.jsonl"]))
    capsys.readouterr()
    by_old = vars(parser.parse_args(BASE[name] + [old, "f.jsonl"]))
    assert by_old == by_new and "f.jsonl" in by_new.values()
    assert capsys.readouterr().err.strip() == f"note: {old} is deprecated, use {new}"
    assert f"{old} " not in parser.format_help().replace(new, "")


def test_judge_still_requires_an_endpoint(capsys):
    assert module_of(script("judge")).main(BASE["judge"]) == 2 and "--base-url is required" in capsys.readouterr().err


def test_one_default_seed():
    seeds = {path.name: a.default for path in SCRIPTS for a in options(parser_of(path)) if a.dest == "seed"}
    assert seeds and set(seeds.values()) == {DEFAULT_SEED}, seeds


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make not installed")
def test_the_makefile_passes_only_current_flags():
    targets = re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M)
    out = subprocess.run(["make", "-n", "-s", "-o", ".venv/.ready-cpu", *[t for t in targets if t not in (
        "train", "env", "clean", "test", "llama-cpp", "help")], "DATA=d.jsonl", "TRAIN_DATA=t.jsonl", "RUN=r",
        "ADAPTER=a", "SCALE=1"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    checked = 0
    for line in out.stdout.splitlines():
        words = shlex.split(line)
        path = next((ROOT / w for w in words if w.endswith(".py") and (ROOT / w) in SCRIPTS), None)
        if path is None:
            continue
        known = {s for a in options(parser_of(path)) for s in a.option_strings}
        used = {w for w in words if w.startswith("--")}
        assert used <= known, f"{line}: not a current flag of {path.name}: {sorted(used - known)}"
        checked += 1
    assert checked >= 10
