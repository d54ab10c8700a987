"""Compile one C# script with Mono's `mcs -target:library` against the shipped UnityEngine stubs.

What it checks: that the script compiles as C# 7.2 against stubs/UnityEngine*.cs (types, members,
signatures). What it does not: that Unity would accept a newer-language script (see `unsupported`
in validate), behaviour at run time (nothing is ever run), members the stubs lack ("not in the
stubs" is reported apart where the error names a UnityEngine type, so a gap in the stubs is visible).

Each run gets its own scratch directory, a CPU-time limit (RLIMIT_CPU, CPU_LIMIT_S: what stops a
compiler bomb), a far longer wall-clock backstop (TIMEOUT_S: on a machine shared with other work a
0.5 s compile can wait tens of seconds for a core, which must not count as the script's failure), a
file-size rlimit and its own process group (killed whole on timeout); at most `WORKERS` compilers run
at once (a bounded pool).
The stubs compile once per process into UnityEngine.dll, cached by their hash.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path

from domains.base import ToolMissing

INSTALL_HINT = "apt-get install -y mono-mcs (scripts/sysdeps.sh installs it)"
STUBS = sorted(Path(__file__).with_name("stubs").glob("*.cs"))
WORKERS = max(1, min(2, os.cpu_count() or 1))
CPU_LIMIT_S = 20       # CPU seconds one compile may burn (a normal script needs well under 1)
TIMEOUT_S = 300.0      # wall-clock backstop
_slots = threading.BoundedSemaphore(WORKERS)
_ERROR = re.compile(r"^(?P<file>[^()\n]*)\((?P<line>\d+),(?P<col>\d+)\): error (?P<code>CS\d+): (?P<msg>.*)$", re.M)
# errors that say a name is missing: when they name a UnityEngine type, the stubs may be the cause
_MISSING_CODES = {"CS0117", "CS1061", "CS0234", "CS0246", "CS0103"}


def mcs_path() -> str | None:
    return shutil.which("mcs")


def available() -> tuple[bool, str]:
    path = mcs_path()
    if not path:
        return False, f"Mono's C# compiler `mcs` not found; {INSTALL_HINT}"
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return True, out or path


def _limits(cpu_s: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (32 << 20, 32 << 20))
    return apply


@lru_cache(maxsize=1)
def stubs_dll() -> Path:
    """UnityEngine.dll built from the shipped stubs, cached in the temp dir by the stubs' hash."""
    mcs = mcs_path()
    if not mcs:
        raise ToolMissing(f"Mono's C# compiler `mcs` not found; {INSTALL_HINT}")
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in STUBS)).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"wb-unity-stubs-{digest}" / "UnityEngine.dll"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    proc = subprocess.run([mcs, "-target:library", "-nologo", "-warn:0", f"-out:{tmp}", *map(str, STUBS)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"the shipped UnityEngine stubs do not compile:\n{proc.stdout}{proc.stderr}")
    os.replace(tmp, out)
    return out


def compile_cs(code: str, timeout: float | None = None, cpu_s: int | None = None) -> dict:
    """{"status": ok|compile_error|timeout, "errors": [{line, col, code, msg}], "seconds", "output"}."""
    timeout = TIMEOUT_S if timeout is None else timeout
    cpu_s = CPU_LIMIT_S if cpu_s is None else cpu_s
    dll = stubs_dll()
    with _slots, tempfile.TemporaryDirectory(prefix="wb-unity-") as scratch:
        src = Path(scratch) / "Script.cs"
        src.write_text(code, encoding="utf-8")
        cmd = [mcs_path(), "-target:library", "-nologo", "-warn:0", f"-r:{dll}", "-out:Script.dll", "Script.cs"]
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch},
                                start_new_session=True, preexec_fn=_limits(max(1, min(cpu_s, int(timeout) + 1))))
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"status": "timeout", "errors": [], "seconds": time.monotonic() - t0,
                    "output": f"mcs ran over {timeout:.0f} s of wall-clock time"}
        seconds = time.monotonic() - t0
    errors = [{"line": int(m["line"]), "col": int(m["col"]), "code": m["code"], "msg": m["msg"].strip()}
              for m in _ERROR.finditer(out) if m["file"].endswith("Script.cs")]
    if proc.returncode == 0:
        return {"status": "ok", "errors": [], "seconds": seconds, "output": ""}
    if proc.returncode < 0 or not errors:
        if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            return {"status": "timeout", "errors": [], "seconds": seconds,
                    "output": f"mcs ran over its {cpu_s} s of CPU time"}
        return {"status": "compile_error", "errors": errors, "seconds": seconds,
                "output": f"mcs exited {proc.returncode}: {out[-500:]}"}
    return {"status": "compile_error", "errors": errors, "seconds": seconds, "output": out[-2000:]}


@lru_cache(maxsize=1)
def stub_names() -> frozenset:
    return frozenset(re.findall(r"[A-Za-z_]\w*", "".join(p.read_text(encoding="utf-8") for p in STUBS)))


def _missing_name(err: dict) -> str | None:
    m = re.search(r"definition for `(\w+)'", err["msg"])
    return m.group(1) if m else None


def typo_of(err: dict) -> str | None:
    """The stub name a missing member is a near-miss of (`positon` -> `position`): a model's typo."""
    name = _missing_name(err)
    close = difflib.get_close_matches(name, stub_names(), n=1, cutoff=0.8) if name else []
    return close[0] if close else None


def not_in_stubs(err: dict) -> bool:
    """True when the error says a member of a UnityEngine type is missing and the name is no near-miss
    of a stubbed name: perhaps a real Unity API the stubs lack (or one the model made up)."""
    return (err["code"] in _MISSING_CODES and "UnityEngine" in err["msg"] and _missing_name(err) is not None
            and typo_of(err) is None)


def describe(errors: list[dict], limit: int = 3) -> str:
    parts = []
    for e in errors[:limit]:
        note = " [not in the stubs?]" if not_in_stubs(e) else (f" [did you mean {typo_of(e)}?]" if typo_of(e) else "")
        parts.append(f"line {e['line']}: {e['code']} {e['msg'][:160]}{note}")
    more = f" (+{len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


def compile_batch(codes: list[str], timeout: float = 120.0) -> list[dict] | None:
    """One mcs run over many scripts (each its own file): per-script results when the whole batch
    compiles, else None (the caller then compiles each alone, so one script's errors never stand for
    another's). Callers make sure no two scripts declare the same type name. Speeds up check-refs:
    mcs's start-up costs more than a small script's compile."""
    if not codes:
        return []
    dll = stubs_dll()
    with _slots, tempfile.TemporaryDirectory(prefix="wb-unity-batch-") as scratch:
        names = []
        for i, code in enumerate(codes):
            names.append(f"Script{i}.cs")
            (Path(scratch) / names[-1]).write_text(code, encoding="utf-8")
        cmd = [mcs_path(), "-target:library", "-nologo", "-warn:0", f"-r:{dll}", "-out:Batch.dll", *names]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True, timeout=timeout,
                                  env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch},
                                  preexec_fn=_limits(int(timeout) + 1))
        except subprocess.TimeoutExpired:
            return None
    if proc.returncode != 0:
        return None
    each = (time.monotonic() - t0) / len(codes)
    return [{"status": "ok", "errors": [], "seconds": each, "output": "batch"} for _ in codes]


def batch_errors(codes: list[str], timeout: float = 300.0) -> list[list[dict]]:
    """Compile errors of many scripts from one mcs run, per script (the builder's cs_repair items).
    mcs stops at its first failing phase, so a script may show no error here although it has one:
    the caller compiles such scripts alone."""
    dll = stubs_dll()
    with _slots, tempfile.TemporaryDirectory(prefix="wb-unity-batch-") as scratch:
        names = [f"Script{i}.cs" for i in range(len(codes))]
        for name, code in zip(names, codes):
            (Path(scratch) / name).write_text(code, encoding="utf-8")
        proc = subprocess.run([mcs_path(), "-target:library", "-nologo", "-warn:0", f"-r:{dll}", "-out:Batch.dll",
                               *names], cwd=scratch, capture_output=True, text=True, timeout=timeout,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch})
    per: dict = {name: [] for name in names}
    for m in _ERROR.finditer(proc.stdout + proc.stderr):
        if m["file"] in per:
            per[m["file"]].append({"line": int(m["line"]), "col": int(m["col"]), "code": m["code"],
                                   "msg": m["msg"].strip()})
    return [per[name] for name in names]
