"""Regenerate or check env/gpu.lock, the GPU stack, with pip's own resolver and no GPU wheel download.

    .venv/bin/python env/resolve_gpu_lock.py            # env/gpu.in -> env/gpu.lock (about 2-3 min)
    .venv/bin/python env/resolve_gpu_lock.py --check    # re-resolve env/gpu.lock, fail on any drift

How: `pip install --dry-run --report` for a foreign target (Linux x86_64 manylinux up to glibc 2.35,
i.e. Ubuntu 22.04; CPython 3.11; binary wheels only), so nothing is installed here. PyPI's simple index
as served to these machines carries no PEP 658 metadata files, so plain pip would download every
candidate wheel in full to read its dependencies (the torch wheels are 0.5-0.9 GB each, and it tries
several). `--use-feature=fast-deps` makes pip read only the METADATA member of each wheel with HTTP range
requests; the run moves ~60 MB in all. The pip log is scanned afterwards and any download above
BIG_DOWNLOAD_MB fails the run, so a silent fallback to full downloads is caught.

This machine's pip configuration (local wheel folders, a torch<=2.14.1 cap that is only about this disk)
is bypassed: PIP_CONFIG_FILE=/dev/null and PIP_CONSTRAINT / PIP_FIND_LINKS / index variables dropped, so
pip asks PyPI only.

The lock is a full freeze: every package, transitive ones included, as `name==version` with the sha256
of the one wheel pip chose for the target, sorted by name. `--check` resolves the lock's own pins (with
dependencies) and fails when pip would install anything else: a missing or extra package, another
version, or another file hash.

What this does not check: that the wheels import or run on a GPU (no GPU here); a wheel's own run-time
version checks (e.g. torchao loading its C++ ops only for the torch it was built with).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file from the repo root: make `core` importable
    sys.path.insert(0, str(ROOT))

from core.errors import DataError, UserError  # noqa: E402
from core.files import atomic_write_text  # noqa: E402

GPU_IN = ROOT / "env" / "gpu.in"
GPU_LOCK = ROOT / "env" / "gpu.lock"
PYTHON_VERSION = "3.11"
# Newest first: pip prefers earlier tags. 2_35 = glibc of Ubuntu 22.04, the Docker base.
PLATFORMS = [f"manylinux_2_{m}_x86_64" for m in range(35, 16, -1)] + [
    "manylinux2014_x86_64", "manylinux_2_12_x86_64", "manylinux2010_x86_64",
    "manylinux_2_5_x86_64", "manylinux1_x86_64",
]
BIG_DOWNLOAD_MB = 50.0
# Variables that would point pip at anything but PyPI, or add this machine's local caps.
DROPPED_ENV = ("PIP_CONSTRAINT", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX",
               "PIP_REQUIRE_HASHES", "PIP_TARGET", "PIP_USER", "PIP_NO_DEPS", "PIP_ONLY_BINARY")
PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$")
HASH_RE = re.compile(r"^--hash=sha256:([0-9a-f]{64})$")
DOWNLOAD_RE = re.compile(r"Downloading (\S+) \(([\d.]+) (kB|MB|GB)\)")


@dataclass
class Pin:
    name: str
    version: str
    hashes: list[str] = field(default_factory=list)
    line: int = 0


def canonical(name: str) -> str:
    """PEP 503 name: what pip compares (PyYAML == pyyaml, unsloth_zoo == unsloth-zoo)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _logical_lines(text: str):
    """Yield (first line number, joined text) with backslash continuations joined, comments cut."""
    start, buf = 0, ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not buf:
            start = no
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        if buf.strip():
            yield start, buf.strip()
        buf = ""
    if buf.strip():
        yield start, buf.strip()


def parse_lock(path) -> dict[str, Pin]:
    """Read a lock file: `name==version` lines, optional `--hash=sha256:...`, `#` comments.

    Returns {canonical name: Pin}. Anything else (ranges, URLs, options, duplicates) raises DataError
    naming the file and line: a lock is exact or it is not a lock.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read the lock file ({exc.strerror or exc})") from exc
    pins: dict[str, Pin] = {}
    for no, line in _logical_lines(text):
        first, *rest = line.split()
        match = PIN_RE.match(first)
        if not match:
            raise DataError(path, no, f"expected 'name==version', got {first!r}")
        hashes = []
        for opt in rest:
            hmatch = HASH_RE.match(opt)
            if not hmatch:
                raise DataError(path, no, f"expected '--hash=sha256:<64 hex>', got {opt!r}")
            hashes.append(hmatch.group(1))
        name, version = match.groups()
        key = canonical(name)
        if key in pins:
            raise DataError(path, no, f"{name} is pinned twice (first on line {pins[key].line})")
        pins[key] = Pin(name, version, hashes, no)
    if not pins:
        raise DataError(path, 1, "the lock pins no package")
    return pins


def pip_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env["PIP_CONFIG_FILE"] = os.devnull  # ignore every pip.conf: local wheel dirs, the torch cap
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def target_args() -> list[str]:
    """pip flags that describe the target instead of this machine: binary wheels for CPython 3.11."""
    args = ["--only-binary=:all:", "--python-version", PYTHON_VERSION, "--implementation", "cp",
            "--abi", "cp" + PYTHON_VERSION.replace(".", "")]
    for plat in PLATFORMS:
        args += ["--platform", plat]
    return args


def pip_command(requirements: Path, report: Path, target: Path) -> list[str]:
    return [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
            "--use-feature=fast-deps", *target_args(), "--target", str(target), "--report", str(report),
            "-r", str(requirements)]


def big_downloads(log: str, limit_mb: float = BIG_DOWNLOAD_MB) -> list[str]:
    """Files pip fetched whole and larger than limit_mb (a torch wheel would show here)."""
    scale = {"kB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
    return [f"{m.group(1)} ({m.group(2)} {m.group(3)})" for m in DOWNLOAD_RE.finditer(log)
            if float(m.group(2)) * scale[m.group(3)] > limit_mb]


MIN_PIP = (26, 0)  # older pips read metadata by downloading whole wheels (GBs for the CUDA stack)


def check_pip() -> None:
    from importlib.metadata import version

    have = version("pip")
    if tuple(int(x) for x in have.split(".")[:2]) < MIN_PIP:
        raise UserError(f"pip {have} reads wheel metadata by downloading whole wheels (GBs here); the GPU lock "
                        f"check needs pip >= {'.'.join(map(str, MIN_PIP))} (make env installs pip 26.3)")


def resolve(requirements: Path, workdir: Path) -> dict:
    """Run pip's resolver for the target platform; return its --report JSON (nothing installed)."""
    report, log = workdir / "report.json", workdir / "pip.log"
    check_pip()
    cmd = pip_command(requirements, report, workdir / "target")
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.run(cmd, env=pip_env(), stdout=out, stderr=subprocess.STDOUT, check=False)
    text = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(text.splitlines()[-15:])
        raise UserError(f"pip could not resolve {requirements} for Linux x86_64 / Python "
                        f"{PYTHON_VERSION} (exit {proc.returncode}):\n{tail}")
    big = big_downloads(text)
    if big:
        raise UserError("pip downloaded whole wheels to read their metadata (range requests not used?): "
                        + ", ".join(big))
    return json.loads(report.read_text(encoding="utf-8"))


def pins_from_report(report: dict) -> dict[str, Pin]:
    pins = {}
    for item in report["install"]:
        meta, info = item["metadata"], item["download_info"]
        sha = info.get("archive_info", {}).get("hashes", {}).get("sha256")
        if not sha:  # PyPI always lists sha256; without it the lock could not be checked
            raise UserError(f"{meta['name']} {meta['version']}: the index gave no sha256 for {info['url']}")
        pins[canonical(meta["name"])] = Pin(meta["name"], meta["version"], [sha])
    return pins


def cuda_of(pins: dict[str, Pin]) -> str:
    """CUDA major.minor of the torch build, read from the CUDA runtime wheel it depends on."""
    for key in ("nvidia-cuda-runtime-cu12", "nvidia-cuda-runtime", "nvidia-cuda-runtime-cu13"):
        if key in pins:
            return ".".join(pins[key].version.split(".")[:2])
    raise UserError("no CUDA runtime wheel in the resolution: is torch a CPU build?")


def render_lock(pins: dict[str, Pin], source: Path) -> str:
    cuda = cuda_of(pins)
    head = [
        "# GPU stack: exact versions for Linux x86_64 (glibc >= 2.35, e.g. Ubuntu 22.04), one Ampere card.",
        f"# python: {PYTHON_VERSION}",
        f"# torch {pins['torch'].version} comes from PyPI's default index: its Linux wheel is the CUDA {cuda} build",
        f"# (the nvidia-*-cu12 wheels below), so no extra index is needed; the Dockerfile's CUDA base is {cuda}.",
        "# A full freeze (transitive deps too); each line carries the sha256 of the one wheel pip chose.",
        f"# Generated from {source.relative_to(ROOT)} by: python env/resolve_gpu_lock.py   (check: --check)",
        "# Install: pip install --require-hashes --only-binary=:all: -r env/gpu.lock",
    ]
    body = [f"{p.name}=={p.version} \\\n    --hash=sha256:{p.hashes[0]}"
            for _, p in sorted(pins.items())]
    return "\n".join(head + body) + "\n"


def compare(locked: dict[str, Pin], resolved: dict[str, Pin]) -> list[str]:
    """Every difference between the lock and what pip would install from it."""
    problems = [f"missing from the lock: {resolved[k].name}=={resolved[k].version}"
                for k in sorted(resolved.keys() - locked.keys())]
    problems += [f"in the lock but not needed: {locked[k].name}=={locked[k].version}"
                 for k in sorted(locked.keys() - resolved.keys())]
    for key in sorted(locked.keys() & resolved.keys()):
        lock, new = locked[key], resolved[key]
        if lock.version != new.version:
            problems.append(f"{lock.name}: lock has {lock.version}, pip resolves {new.version}")
        elif lock.hashes and new.hashes[0] not in lock.hashes:
            problems.append(f"{lock.name}=={lock.version}: pip picks a wheel whose sha256 is not in the lock")
    return problems


def check_lock(lock_path: Path, workdir: Path) -> list[str]:
    """Resolve the lock's own pins with dependencies; return the drift (empty list = lock is sound)."""
    locked = parse_lock(lock_path)
    reqs = workdir / "pins.txt"
    # Hashes are left out of the resolver input: pip's hash-checking mode would fetch whole wheels.
    reqs.write_text("".join(f"{p.name}=={p.version}\n" for p in locked.values()), encoding="utf-8")
    return compare(locked, pins_from_report(resolve(reqs, workdir)))


def verify_hashes(lock_path: Path, names: list[str], workdir: Path) -> None:
    """Download the named (small) wheels of the lock for the target in pip's hash-checking mode.

    Proves the lock's sha256 lines match the real files, the way `pip install --require-hashes`
    will check them in the Docker build. Raises UserError on a mismatch or a missing wheel.
    """
    locked = parse_lock(lock_path)
    missing = [n for n in names if canonical(n) not in locked]
    if missing:
        raise UserError(f"{lock_path}: not in the lock: {', '.join(missing)}")
    workdir.mkdir(parents=True, exist_ok=True)
    reqs = workdir / "hashed.txt"
    reqs.write_text("".join(f"{locked[canonical(n)].name}=={locked[canonical(n)].version} "
                            f"--hash=sha256:{locked[canonical(n)].hashes[0]}\n" for n in names))
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--require-hashes",
           *target_args(), "-d", str(workdir / "wheels"), "-r", str(reqs)]
    proc = subprocess.run(cmd, env=pip_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UserError(f"hash check of {', '.join(names)} failed:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="re-resolve the lock and fail on drift")
    parser.add_argument("--input", type=Path, default=GPU_IN, help="top-level requirements (default env/gpu.in)")
    parser.add_argument("--lock", type=Path, default=GPU_LOCK, help="lock file (default env/gpu.lock)")
    return parser


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="gpu-lock-") as tmp:
            if args.check:
                problems = check_lock(args.lock, Path(tmp))
                for problem in problems:
                    print(f"drift: {problem}", file=sys.stderr)
                print(f"{args.lock}: {'DRIFT' if problems else 'ok, resolves exactly as locked'}")
                return 1 if problems else 0
            pins = pins_from_report(resolve(args.input, Path(tmp)))
            atomic_write_text(args.lock, render_lock(pins, args.input.resolve()))
            print(f"wrote {args.lock}: {len(pins)} packages, torch {pins['torch'].version} "
                  f"(CUDA {cuda_of(pins)})")
            return 0
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
