"""Run untrusted Luanti mod code in a LuaJIT sandbox against a mock Luanti API, in worker processes.

What it checks: that the code parses with a real Lua parser (LuaJIT 2.1 from lupa, what Luanti runs) and
that its load-time code runs against the mock `minetest`/`core` API (mock_api.lua + mock_core.lua) within
limits; every API call is recorded with its arguments for expectation matching (expect.py).

What it does not check: anything that happens after load (callbacks such as on_construct, after,
globalsteps are recorded, never run), textures/media, dependencies on other mods beyond the small
`default` stand-in, or engine behaviour the mock does not imitate (server.py does the real-engine load).

Containment, layer by layer:
* the mod's chunk runs with its own environment: base functions, string/table/math, a reduced `os`
  (time/clock/date/difftime only, like the engine's mod security), no io, require, load*, dofile, debug,
  jit, coroutine, setfenv/getfenv, string.dump; the string metatable is hidden;
* an instruction hook (jit.off() so it fires in loops) stops the run after `instructions` VM
  instructions; it keeps firing after the limit and the sandbox's pcall/xpcall re-raise it, so a mod's
  own pcall cannot swallow it;
* LuaJIT ignores max_memory, so each worker process has RLIMIT_AS; a worker that dies or outlives the
  wall timeout is killed (SIGKILL) and replaced, and the task is scored resource_limit / timeout;
* print/log output is captured and capped.
Each task gets a fresh LuaRuntime, so nothing a mod does survives into the next task.
"""
from __future__ import annotations

import atexit
import os
import pickle
import queue
import selectors
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MAX_DEPTH = 12          # converted table nesting; deeper (or cyclic) tables are cut
MAX_NODES = 20000       # converted values per task, so a hostile giant table cannot stall the parent


class LuaFunction:
    """Marker for a Lua function value in recorded calls (matched by "<function>")."""

    def __eq__(self, other):
        return isinstance(other, LuaFunction)

    def __hash__(self):
        return 1

    def __repr__(self):
        return "<function>"


class Truncated:
    """Marker for a table cut by MAX_DEPTH / MAX_NODES (never equal to anything expected)."""

    def __repr__(self):
        return "<truncated>"


LUA_FUNCTION = LuaFunction()


# ------------------------------------------------------------------ in the worker process ------
def _deny(obj, attr, is_setting):
    raise AttributeError("Python attribute access is not allowed from the sandbox")


def _to_py(v, depth: int, budget: list, lua_type):
    if v is None or isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    kind = lua_type(v)
    if kind == "function":
        return LUA_FUNCTION
    if kind != "table":
        return f"<{kind}>"
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        return Truncated()
    # items() walks the table with lua_next: raw access, no metamethods run here
    pairs = [(_to_py(k, depth + 1, budget, lua_type), _to_py(x, depth + 1, budget, lua_type))
             for k, x in v.items()]
    keys = [k for k, _ in pairs]
    if keys and all(isinstance(k, int) and not isinstance(k, bool) for k in keys) \
            and sorted(keys) == list(range(1, len(keys) + 1)):
        return [x for _, x in sorted(pairs, key=lambda p: p[0])]
    return {(k if isinstance(k, str) else str(k)): x for k, x in pairs}


def _convert_calls(lua_calls, lua_type) -> list[dict]:
    budget = [MAX_NODES]
    out = []
    for _, c in sorted(lua_calls.items()):
        n = int(c[b"n"] or 0)
        args = [_to_py(c[i], 1, budget, lua_type) for i in range(1, n + 1)]
        out.append({"api": c[b"api"].decode(), "args": args})
    return out


def run_source(code: str, modname: str = "mymod", instructions: int = 20_000_000,
               print_cap: int = 16384, max_calls: int = 2000) -> dict:
    """Run `code` once in a fresh LuaJIT runtime, in THIS process (the worker calls it; tests may too).

    Returns {"status": ok|syntax_error|runtime_error|timeout|resource_limit, "detail": str,
    "calls": [{"api": name, "args": [...]}], "output": captured print text}.
    """
    from lupa import luajit21 as lj

    rt = lj.LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True,
                       attribute_filter=_deny, encoding=None)
    builder = rt.execute((HERE / "mock_core.lua").read_bytes())
    rt.globals()[b"dofile_mock_api"] = builder
    run = rt.execute((HERE / "mock_api.lua").read_bytes())
    rt.globals()[b"dofile_mock_api"] = None
    res = run(code.encode("utf-8"), modname.encode("utf-8"), instructions, print_cap, max_calls)
    status = res[b"status"].decode()
    detail = res[b"detail"].decode("utf-8", "replace")[:500]
    calls = _convert_calls(res[b"calls"], lj.lua_type)
    return {"status": status, "detail": detail, "calls": calls,
            "output": (res[b"output"] or b"").decode("utf-8", "replace")}


def _read_msg(fh):
    head = fh.read(4)
    if len(head) < 4:
        return None
    (n,) = struct.unpack(">I", head)
    return pickle.loads(fh.read(n))


def _write_msg(fh, obj):
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(struct.pack(">I", len(data)) + data)
    fh.flush()


def _worker_main(memory_mb: int):
    import resource

    import lupa.luajit21  # noqa: F401  (imported before the limit so the import itself fits)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the protocol stream
    while True:
        task = _read_msg(inp)
        if task is None:
            return
        try:
            res = run_source(**task)
        except MemoryError:
            res = {"status": "resource_limit", "detail": "out of memory (worker RLIMIT_AS "
                   f"{memory_mb} MiB)", "calls": [], "output": ""}
        except Exception as exc:  # lupa errors while converting a hostile result
            kind = "resource_limit" if "memory" in str(exc).lower() else "runtime_error"
            res = {"status": kind, "detail": f"{type(exc).__name__}: {exc}"[:500], "calls": [], "output": ""}
        _write_msg(out, res)


# ------------------------------------------------------------------ in the parent process ------
class _Worker:
    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.proc = None
        self.tasks = 0
        self.errlog = None

    def start(self):
        self.errlog = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "domains.luanti.sandbox", "--worker", str(self.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errlog, cwd=str(ROOT), env=env)
        self.tasks = 0

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            for fh in (self.proc.stdin, self.proc.stdout):
                try:
                    fh.close()
                except OSError:
                    pass
            self.proc = None
        if self.errlog is not None:
            self.errlog.close()
            self.errlog = None

    def stderr_tail(self) -> str:
        if self.errlog is None:
            return ""
        self.errlog.seek(0)
        return self.errlog.read()[-400:].decode("utf-8", "replace").strip()

    def _read_exact(self, n: int, deadline: float) -> bytes | None:
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while len(buf) < n:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, n - len(buf))
                if not chunk:
                    raise EOFError
                buf += chunk
        return bytes(buf)

    def call(self, task: dict, wall_timeout: float) -> dict:
        if self.proc is None:
            self.start()
        self.tasks += 1
        try:
            _write_msg(self.proc.stdin, task)
            deadline = time.monotonic() + wall_timeout
            head = self._read_exact(4, deadline)
            body = head and self._read_exact(struct.unpack(">I", head)[0], deadline)
        except (EOFError, BrokenPipeError, OSError):
            code = self.proc.poll() if self.proc else None
            detail = f"sandbox worker died (exit {code}); {self.stderr_tail()[-200:]}".strip()
            self.kill()
            return {"status": "resource_limit", "detail": detail, "calls": [], "output": ""}
        if body is None:
            self.kill()  # busy C code (e.g. a pathological pattern) ignores the hook: kill the worker
            return {"status": "timeout", "detail": f"wall-clock limit of {wall_timeout:g} s exceeded",
                    "calls": [], "output": ""}
        return pickle.loads(body)


class SandboxPool:
    """A few persistent worker processes; `run()` is thread-safe (one task per worker at a time)."""

    def __init__(self, workers: int = 1, wall_timeout: float = 5.0, memory_mb: int = 768,
                 instructions: int = 20_000_000, print_cap: int = 16384, max_calls: int = 2000,
                 recycle_after: int = 2000):
        self.wall_timeout, self.instructions = wall_timeout, instructions
        self.print_cap, self.max_calls, self.recycle_after = print_cap, max_calls, recycle_after
        self._idle: queue.Queue = queue.Queue()
        for _ in range(workers):
            self._idle.put(_Worker(memory_mb))

    def run(self, code: str, modname: str = "mymod") -> dict:
        task = {"code": code, "modname": modname, "instructions": self.instructions,
                "print_cap": self.print_cap, "max_calls": self.max_calls}
        worker = self._idle.get()
        try:
            t0 = time.monotonic()
            res = worker.call(task, self.wall_timeout)
            res["seconds"] = round(time.monotonic() - t0, 4)
            if worker.tasks >= self.recycle_after:
                worker.kill()  # bounded growth of anything the interpreter leaks
            return res
        finally:
            self._idle.put(worker)

    def close(self):
        while not self._idle.empty():
            self._idle.get_nowait().kill()


_POOL: SandboxPool | None = None
_POOL_LOCK = threading.Lock()


_POOL_PID: int | None = None


def _close_if_owner(pool: SandboxPool, pid: int) -> None:
    if os.getpid() == pid:
        pool.close()


def get_pool() -> SandboxPool:
    """The process-wide default pool (workers from $WB_LUA_WORKERS, default 1).

    A process forked after the pool started (the scorer's worker processes) gets a pool of its own: two
    processes talking to one worker over the same pipes would interleave their messages."""
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or _POOL_PID != os.getpid():
            _POOL = SandboxPool(workers=int(os.environ.get("WB_LUA_WORKERS", "1")))
            _POOL_PID = os.getpid()
            atexit.register(_close_if_owner, _POOL, _POOL_PID)
        return _POOL


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        # run the importable module's copy, so pickled markers are domains.luanti.sandbox.LuaFunction
        # (not __main__.LuaFunction, which the parent cannot unpickle)
        from domains.luanti import sandbox as _module

        _module._worker_main(int(sys.argv[2]))
    else:
        sys.exit("usage: python -m domains.luanti.sandbox --worker MEMORY_MB (started by SandboxPool)")
