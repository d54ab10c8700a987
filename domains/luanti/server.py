"""Load a mod in a REAL headless Luanti server (Debian's minetest-server 5.6) and report the verdict.

What it checks: that the engine itself loads the code as `worldmods/<modname>/init.lua` inside
minetest_game (so `default` and friends exist) and reaches "all mods loaded" without an error: the
verdict is exit code 0 AND no `ERROR[` line in the log (a missing dependency still exits 0, so the
log matters). Syntax errors, bad name prefixes and load-time runtime errors all fail here.

What it does not check: expectations (the sandbox does), callbacks that only run in play (after,
globalsteps, on_* handlers are registered, not triggered), textures/media.

How: a fresh scratch dir per run (world with dummy backends, HOME), a helper mod that asks for shutdown
once all mods are loaded, a free UDP port on 127.0.0.1 per run (so parallel runs never collide),
`timeout -s KILL` semantics via subprocess (a Lua busy loop ignores SIGTERM). The wrapper
/usr/games/minetestserver forces /etc config and /var/log, so the binary is called directly.
A missing binary raises ToolMissing: never a pass.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from domains.base import Result, ToolMissing

BINARY = Path(os.environ.get("WB_LUANTI_SERVER", "/usr/lib/minetest/minetestserver"))
INSTALL_HINT = "apt-get install -y minetest-server minetest-data"
HELPER = """minetest.register_on_mods_loaded(function()
  minetest.after(0, function() minetest.request_shutdown("wb check done", false, 0) end)
end)
"""
ERROR_RE = re.compile(r"ERROR\[[^\]]*\]:\s*(.*)")


def available() -> tuple[bool, str]:
    if BINARY.is_file() and os.access(BINARY, os.X_OK):
        return True, str(BINARY)
    return False, f"{BINARY} not found; install it with: {INSTALL_HINT}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_world(root: Path, code: str, modname: str) -> tuple[Path, Path]:
    world = root / "world"
    mods = world / "worldmods"
    (mods / modname).mkdir(parents=True)
    (mods / modname / "init.lua").write_text(code, encoding="utf-8")
    # optional deps only order the load after minetest_game's common mods; a mod never depends on itself
    deps = ", ".join(m for m in ("default", "stairs", "farming", "dye", "doors", "tnt") if m != modname)
    (mods / modname / "mod.conf").write_text(f"name = {modname}\noptional_depends = {deps}\n")
    (mods / "wb_shutdown").mkdir()
    (mods / "wb_shutdown" / "init.lua").write_text(HELPER)
    (mods / "wb_shutdown" / "mod.conf").write_text("name = wb_shutdown\n")
    (world / "world.mt").write_text("gameid = minetest\nbackend = dummy\nplayer_backend = dummy\n"
                                    "auth_backend = sqlite3\nmod_storage_backend = sqlite3\n")
    conf = root / "server.conf"
    conf.write_text("bind_address = 127.0.0.1\nserver_announce = false\nmg_name = singlenode\n"
                    "enable_ipv6 = false\n")
    return world, conf


def load_mod(code: str, modname: str = "mymod", timeout: float = 30.0) -> Result:
    """Result ok when the real server loads `code` as mod `modname` cleanly; see module docstring."""
    ok, why = available()
    if not ok:
        raise ToolMissing(why)
    if not re.fullmatch(r"[a-z0-9_]+", modname):
        return Result("format_error", f"invalid mod name {modname!r}", level="", levels={"server_loads": False})
    root = Path(tempfile.mkdtemp(prefix="wb-luanti-"))
    try:
        world, conf = _write_world(root, code, modname)
        log = root / "debug.txt"
        cmd = [str(BINARY), "--config", str(conf), "--logfile", str(log), "--world", str(world),
               "--gameid", "minetest", "--port", str(_free_port()), "--color", "never"]
        env = {"HOME": str(root), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:   # subprocess.run kills with SIGKILL on timeout
            return Result("timeout", f"server did not finish loading within {timeout:g} s",
                          level="", levels={"server_loads": False})
        text = (log.read_text("utf-8", "replace") if log.exists() else "") + proc.stdout.decode("utf-8", "replace")
        text = text.replace(str(world / "worldmods") + "/", "")   # "mymod/init.lua:3: ..." reads better
        return _verdict(proc.returncode, text, time.monotonic() - t0)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _verdict(code: int, text: str, seconds: float) -> Result:
    errors = [m.group(1).strip() for m in ERROR_RE.finditer(text)]
    metrics = {"server_seconds": round(seconds, 3), "exit_code": code}
    if code == 0 and not errors:
        return Result("ok", "real server loaded the mod", level="server_loads",
                      levels={"server_loads": True}, metrics=metrics)
    # the engine logs "Failed to load and run script from X:" and then the Lua message on its own line
    useful = [e for e in errors if e and not e.startswith("stack traceback") and not e.endswith(":")]
    first = (useful or errors or [f"exit code {code}"])[0]
    kind = "syntax_error" if re.search(r"(unexpected symbol|expected near|'end' expected|"
                                       r"unfinished|malformed number|near '<eof>')", text) else "runtime_error"
    return Result(kind, f"real server: {first}"[:500], level="", levels={"server_loads": False}, metrics=metrics)
