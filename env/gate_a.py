"""Gate A: assert the environment against the pinned lock files, before any model work.

    python env/gate_a.py --domain <name> --stack cpu [--verbose] [--out results/<domain>/gate_a.json]
    (make gate-a DOMAIN=<name> STACK=cpu)

Checks, one line each with a mark and a fix hint: Python version; every locked package at its exact
version; the accelerator (CUDA device and free VRAM, or an explicit CPU mode); the precision `auto` picks
on this machine (CPU, capability, fp32 and bf16 matmul probe figures: core/precision.py); disk and RAM; the model
(MODEL=embedded must find its package); with --stack gpu, each GPU piece (driver, CUDA build of torch,
bitsandbytes, unsloth, vllm) with what was found, why it is needed and how to get it (env/gpu_pieces.py); the validator toolchains of the selected domain; the presence and
schema of the domain's data files. Prints a score N/M, writes a JSON stamp that later gates depend on,
and exits 1 when a critical check fails (2 for a usage error).

Only the standard library is imported at the top, so a broken environment is reported, not crashed on.
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import platform
import re
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from domains import DEFAULT_DOMAIN  # noqa: E402  (stdlib-only imports)

MIN_FREE_DISK_GB = {"cpu": 5, "gpu": 50}
MIN_RAM_GB = {"cpu": 4, "gpu": 16}
MIN_VRAM_GB = 16


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""
    critical: bool = True
    versions: dict | None = None


def parse_lock(path: Path) -> tuple[dict, str | None]:
    """{normalised name: version} and the '# python: X.Y' line of a lock file."""
    pins, python = {}, None
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if m := re.match(r"#\s*python:\s*(\S+)", line):
            python = m.group(1)
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;]+)", line)
        if not m:
            raise SystemExit(f"error: {path}:{lineno}: expected 'name==version', got {line!r}")
        pins[normalise(m.group(1))] = m.group(3)
    return pins, python


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def same_version(want: str, have: str) -> bool:
    # torch's CPU wheel reports 2.13.0+cpu; a pin without a local label matches any local label (PEP 440).
    return have == want or ("+" not in want and have.split("+", 1)[0] == want)


def check_python(want: str | None) -> Check:
    have = platform.python_version()
    ok = want is None or have.startswith(want + ".") or have == want
    return Check("python", ok, f"Python {have} (lock: {want or 'any'})",
                 f"use Python {want} (PYTHON=python{want} make env)")


def check_packages(locks: list[Path], stack: str) -> Check:
    bad, versions = [], {}
    for lock in locks:
        pins, _ = parse_lock(lock)
        for name, want in sorted(pins.items()):
            have = installed_version(name)
            versions[name] = have
            if have is None:
                bad.append(f"{name} missing (want {want})")
            elif not same_version(want, have):
                bad.append(f"{name} {have} != {want}")
    n = len(versions)
    detail = f"{n - len(bad)}/{n} locked packages at their exact version"
    if bad:
        detail += ": " + "; ".join(bad[:6]) + (f"; +{len(bad) - 6} more" if len(bad) > 6 else "")
    return Check("packages", not bad, detail, f"make env STACK={stack}", versions=versions)


def check_accelerator(stack: str, device: str) -> Check:
    try:
        import torch
    except ImportError as exc:
        return Check("accelerator", False, f"torch does not import ({exc})", f"make env STACK={stack}")
    if device == "cpu" or (device == "auto" and stack == "cpu"):
        threads = torch.get_num_threads()
        return Check("accelerator", True, f"CPU mode (explicit: STACK={stack} DEVICE={device}); "
                                          f"{os.cpu_count()} cores, torch threads {threads}")
    if not torch.cuda.is_available():
        return Check("accelerator", False, "no CUDA device visible to torch",
                     "on a CPU machine use STACK=cpu (or DEVICE=cpu); in docker pass --gpus all")
    free, total = torch.cuda.mem_get_info(0)
    name = torch.cuda.get_device_name(0)
    ok = free / 2**30 >= MIN_VRAM_GB
    return Check("accelerator", ok, f"{name}: {free / 2**30:.1f} of {total / 2**30:.1f} GiB VRAM free",
                 f"free at least {MIN_VRAM_GB} GiB of VRAM (nvidia-smi shows who holds it)")


def check_precision() -> Check:
    """The CPU, torch's kernel capability, both matmul probe figures and the precision `auto` will use.
    Gate A measures afresh (and refreshes the cache the later gates read): a machine may have changed."""
    try:
        from core import precision
        choice = precision.resolve("auto", refresh=True)
        facts = choice.get("cpu") or precision.cpu_facts()
    except Exception as exc:  # report, never crash: this gate runs on broken environments
        return Check("precision", False, f"{type(exc).__name__}: {exc}", "make env")
    where = (f"{facts['cpu']} ({facts['capability']}, native bf16: "
             f"{', '.join(facts['native_bf16_flags']) or 'none'}, {facts['threads']} threads)")
    return Check("precision", True, f"{where}: auto -> {precision.describe(choice)}")


def check_resources(stack: str) -> Check:
    free_gb = shutil.disk_usage(ROOT).free / 2**30
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                ram_gb = int(line.split()[1]) / 2**20
    except OSError:
        pass
    ok = free_gb >= MIN_FREE_DISK_GB[stack] and (ram_gb is None or ram_gb >= MIN_RAM_GB[stack])
    ram = f"{ram_gb:.1f} GiB RAM available" if ram_gb is not None else "RAM unknown"
    return Check("disk+ram", ok, f"{free_gb:.0f} GiB disk free, {ram}",
                 f"need {MIN_FREE_DISK_GB[stack]} GiB disk and {MIN_RAM_GB[stack]} GiB RAM for STACK={stack}")


def check_model(spec: str) -> Check:
    try:
        from core import models
        ref = models.resolve(spec)
    except Exception as exc:  # report any failure: this gate must not crash on a broken environment
        return Check("model", False, f"MODEL={spec}: {exc}", "make env, or pass MODEL=<folder or hub id>")
    return Check("model", True, f"MODEL={spec} -> {ref.kind}: {ref.name}")


def check_toolchains(domain) -> list[Check]:
    out = []
    for tc in domain.toolchains():
        try:
            ok, detail = tc.check()
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        out.append(Check(f"tool:{tc.name}", ok, detail, tc.hint, critical=tc.required))
    return out


def check_training_config(domain) -> Check:
    """The training config `make train` takes by default (a spec domain writes it from its spec here);
    a warning, not critical: gates B, D and E do not need it."""
    try:
        rel = domain.default_training_config()
    except Exception as exc:  # a domain's own error, reported rather than raised: gate A lists everything
        return Check("training config", False, f"{type(exc).__name__}: {exc}", critical=False)
    if not (ROOT / rel).exists():
        return Check("training config", False, f"{rel}: not found", "make train CONFIG=<yaml>", critical=False)
    try:  # resolved as `make train` will: a misspelled key is found now, not after gates A and B have run
        from training.config import resolve

        resolve(ROOT / rel, note=lambda text: None)
    except Exception as exc:  # UserError lists every problem; anything else is reported, not raised
        return Check("training config", False, f"{exc}", "fix the keys named (a spec domain: its `training:` "
                     "keys, from which this file is written)", critical=False)
    return Check("training config", True, rel, "make train CONFIG=<yaml>", critical=False)


def check_data(domain, paths: list[str]) -> list[Check]:
    out = []
    for p in paths:
        if not p:
            continue
        try:
            items = domain.load(p)
        except Exception as exc:
            out.append(Check(f"data:{Path(p).name}", False, str(exc),
                             f"make data DOMAIN={domain.name}, or fix the file"))
            continue
        fams = {}
        for it in items:
            fams[it["family"]] = fams.get(it["family"], 0) + 1
        out.append(Check(f"data:{Path(p).name}", True, f"{p}: {len(items)} items, " +
                         ", ".join(f"{k} {v}" for k, v in sorted(fams.items()))))
    return out


def run(args) -> tuple[list[Check], dict]:
    locks = [ROOT / "env" / f"{args.stack}.lock", ROOT / "env" / "embedded.lock", ROOT / "env" / "pip.lock"]
    _, python = parse_lock(locks[0])
    checks = [check_python(python), check_packages(locks, args.stack),
              check_accelerator(args.stack, args.device), check_precision(), check_resources(args.stack),
              check_model(args.model)]
    if args.stack == "gpu":  # each missing GPU piece explained: what, why, how (env/gpu_pieces.py)
        import gpu_pieces

        checks += [Check(n, ok, detail, hint, critical=crit) for n, ok, detail, hint, crit in gpu_pieces.pieces()]
    domain = None
    try:
        import domains
        domain = domains.get(args.domain)
    except Exception as exc:
        checks.append(Check("domain", False, f"{args.domain}: {exc}", "DOMAIN= one of the registered domains"))
    if domain is not None:
        checks.append(Check("domain", True, f"{domain.name} (version {domain.version})"))
        checks += check_toolchains(domain)
        checks.append(check_training_config(domain))
        from core.files import shipped

        checks += check_data(domain, [args.train or shipped(domain.default_train),
                                     args.data or shipped(domain.default_eval)])
    return checks, {"domain": args.domain, "stack": args.stack, "device": args.device, "model": args.model}


def report(checks: list[Check], verbose: bool) -> None:
    for i, c in enumerate(checks, 1):
        mark = "✓" if c.ok else ("✗" if c.critical else "!")
        print(f"[{i}/{len(checks)}] {mark} {c.name:<16} {c.detail}")
        if not c.ok and c.hint:
            print(f"        fix: {c.hint}")
        if verbose and c.versions:
            for name, v in sorted(c.versions.items()):
                print(f"        {name}=={v}")
    passed = sum(c.ok for c in checks)
    crit = [c.name for c in checks if not c.ok and c.critical]
    print(f"Gate A: {passed}/{len(checks)} checks passed" +
          (f"; CRITICAL: {', '.join(crit)}" if crit else "; environment OK"))


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    from core.flags import renamed

    p.add_argument("--domain", default=os.environ.get("DOMAIN", DEFAULT_DOMAIN),
                   help="registered domain name or path of a domain spec (.yaml) (default %(default)s)")
    p.add_argument("--stack", default=os.environ.get("STACK", "cpu"), choices=["cpu", "gpu"],
                   help="the lock file the environment must match (default %(default)s)")
    p.add_argument("--device", default=os.environ.get("DEVICE", "auto"), choices=["auto", "cpu", "cuda"],
                   help="accelerator to require: auto follows --stack (cpu: none, gpu: CUDA) (default %(default)s)")
    p.add_argument("--model", default=os.environ.get("MODEL", "embedded"),
                   help="base model to find: 'embedded', a local folder or a hub id (default %(default)s)")
    p.add_argument("--eval-data", dest="data", default=None, help="eval JSONL (default: the domain's shipped eval set)")
    renamed(p, "--data", "--eval-data")
    p.add_argument("--train-data", dest="train", default=None,
                   help="train JSONL (default: the domain's shipped train set)")
    renamed(p, "--train", "--train-data")
    p.add_argument("--out", default=None, help="JSON stamp (default: results/<domain>/gate_a.json)")
    p.add_argument("--verbose", "-v", action="store_true", help="list every locked package's version")
    return p


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    checks, settings = run(args)
    report(checks, args.verbose)
    ok = all(c.ok for c in checks if c.critical)
    from core.files import atomic_write_json  # stdlib-only module
    from core.meta import run_info

    out = Path(args.out or ROOT / "results" / Path(args.domain).stem / "gate_a.json")  # a spec's stem is its name
    stamp = {"gate": "A", "passed": ok, "score": f"{sum(c.ok for c in checks)}/{len(checks)}",
             "settings": settings, "checks": [asdict(c) for c in checks], **run_info()}
    if ok:
        atomic_write_json(out, stamp)
    else:  # a failed gate leaves no stamp that later gates could take for a pass
        out.unlink(missing_ok=True)
        atomic_write_json(out.with_name("gate_a.failed.json"), stamp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
