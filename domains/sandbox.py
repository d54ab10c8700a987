"""Run an untrusted program the way the built-in validators run their compilers: a fresh scratch folder,
CPU-time, memory and file-size limits, a wall-clock backstop, no network, killed with its children.

What it guarantees: the program starts in its own process group inside a new network namespace
(`unshare -n`, or `unshare -rn` where user namespaces are allowed) that holds only its own loopback, so
it reaches no other machine and none of the host's loopback services; its stdout and stderr go to files
in the scratch folder capped by RLIMIT_FSIZE; the whole group is SIGKILLed on timeout; the scratch folder
is removed afterwards. What it does not: hide the host's file system (the program runs as this user and
can read what the user can read), so a spec's `command` should be a checker you trust reading an answer
you do not. Without a way to cut the network, `run` raises ToolMissing: never a silent pass.

Used by the spec domains' `command` check (domains/spec/checks.py). The Unity compiler runner
(domains/unity_csharp/compiler.py) predates it and keeps its own copy of the limits.
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from domains.base import ToolMissing

OUTPUT_CAP = 1 << 20   # bytes of stdout/stderr kept (RLIMIT_FSIZE stops a program writing more)


@lru_cache(maxsize=1)
def isolation() -> tuple[str, ...]:
    """The command prefix that cuts the network (probed once), or () when none works here."""
    for prefix in (("unshare", "-n"), ("unshare", "-rn")):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.SubprocessError):
            continue
    return ()


def netns_prefix(loopback: bool = False) -> list[str]:
    """The prefix that starts a command in a network namespace of its own ([] when none can be made
    here). With `loopback`, the namespace's own loopback is brought up first (a fresh namespace's is
    down): for a worker that serves itself pages on 127.0.0.1, like the browser's (domains/browser.py).
    One helper for both so the two containments cannot drift apart."""
    prefix = list(isolation())
    if prefix and loopback:
        prefix += ["sh", "-c", 'ip link set lo up && exec "$0" "$@"']
    return prefix


def available() -> tuple[bool, str]:
    """(ok, detail) for gate A: can this machine run a program without network?"""
    prefix = isolation()
    if prefix:
        return True, f"network cut by `{' '.join(prefix)}`"
    return False, ("cannot cut the network for checking commands: `unshare -n` (root) and `unshare -rn` "
                   "(user namespaces) both failed; run as root or enable unprivileged user namespaces")


def _limits(cpu_s: int, memory_mb: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_CAP, OUTPUT_CAP))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _tail(path: Path) -> str:
    try:
        return path.read_bytes()[:OUTPUT_CAP].decode("utf-8", "replace")
    except OSError:
        return ""


def run(argv: list[str], *, files: dict | None = None, stdin: str | None = None, timeout: float = 10.0,
        cpu_s: int = 5, memory_mb: int = 512) -> dict:
    """Run argv in a fresh scratch folder holding `files` (name -> text). `{scratch}` in argv is that
    folder. Returns {"status": ok|nonzero|timeout|resource_limit, "returncode", "stdout", "stderr",
    "seconds"}; a program that cannot be started raises ToolMissing."""
    prefix = isolation()
    if not prefix:
        raise ToolMissing(available()[1])
    with tempfile.TemporaryDirectory(prefix="wb-sandbox-") as scratch:
        for name, text in (files or {}).items():
            (Path(scratch) / name).write_text(text, encoding="utf-8")
        out, err = Path(scratch) / ".stdout", Path(scratch) / ".stderr"
        cmd = [*prefix, *[a.replace("{scratch}", scratch) for a in argv]]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch, "TMPDIR": scratch,
               "LANG": "C.UTF-8"}
        t0 = time.monotonic()
        with open(out, "wb") as fo, open(err, "wb") as fe:
            try:
                proc = subprocess.Popen(cmd, cwd=scratch, stdin=subprocess.PIPE, stdout=fo, stderr=fe, env=env,
                                        start_new_session=True, preexec_fn=_limits(cpu_s, memory_mb))
            except OSError as exc:
                raise ToolMissing(f"cannot start {argv[0]!r}: {exc}") from exc
            status = _wait(proc, stdin, timeout)
        seconds = time.monotonic() - t0
        stdout, stderr = _tail(out), _tail(err)
    code = proc.returncode
    if status == "ok" and code != 0:
        status = "nonzero"
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            status = "timeout"
        elif code == -signal.SIGXFSZ or "MemoryError" in stderr or "out of memory" in stderr.lower():
            status = "resource_limit"
    if code == 127 and prefix[0] == "unshare" and "No such file" in stderr:
        raise ToolMissing(f"cannot start {argv[0]!r}: {stderr.strip()[:200]}")
    return {"status": status, "returncode": code, "stdout": stdout, "stderr": stderr, "seconds": seconds}


def _wait(proc, stdin: str | None, timeout: float) -> str:
    try:
        proc.communicate((stdin or "").encode("utf-8"), timeout=timeout)
        return "ok"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "timeout"
    except BrokenPipeError:  # the program exited without reading its input
        proc.wait()
        return "ok"
