"""What the Three.js validator needs, where it lives, and the checks gate A runs.

* Debian's `chromium` (scripts/sysdeps.sh installs it), driven headless with SwiftShader WebGL;
* `node` (to parse modules with `node --check` and to run the browser worker);
* the npm packages pinned in js/package.json + js/package-lock.json: `three` (what the page imports,
  served from 127.0.0.1 through an import map; no CDN) and `playwright-core` (drives the browser).
  `npm ci` in js/ installs exactly the lock (scripts/sysdeps.sh ensure does it).
Each check returns (ok, detail); a missing piece is ToolMissing for the validator, never a pass.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from domains.browser import chromium_binary, node_binary

JS = Path(__file__).with_name("js")
MODULES = JS / "node_modules"
THREE = MODULES / "three"
PLAYWRIGHT = MODULES / "playwright-core"
PAGE = Path(__file__).with_name("page")
NPM_HINT = "cd domains/threejs/js && npm ci   (bash scripts/sysdeps.sh ensure runs it)"
CHROMIUM_HINT = "apt-get install -y chromium   (bash scripts/sysdeps.sh ensure installs it)"
NODE_HINT = "apt-get install -y nodejs npm   (bash scripts/sysdeps.sh ensure installs them)"


def pinned(name: str) -> str:
    """The version package-lock.json pins for `name`."""
    lock = json.loads((JS / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{name}"]["version"]


def _installed(name: str, folder: Path) -> tuple[bool, str]:
    want = pinned(name)
    meta = folder / "package.json"
    if not meta.is_file():
        return False, f"npm package {name} {want} is not installed in {JS}; {NPM_HINT}"
    have = json.loads(meta.read_text()).get("version")
    if have != want:
        return False, f"npm package {name} is {have}, the lock pins {want}; {NPM_HINT}"
    return True, f"{name} {have} ({folder})"


def three_ok() -> tuple[bool, str]:
    ok, why = _installed("three", THREE)
    if ok and not (THREE / "build" / "three.module.js").is_file():
        return False, f"{THREE}/build/three.module.js missing; {NPM_HINT}"
    return ok, why


def playwright_ok() -> tuple[bool, str]:
    return _installed("playwright-core", PLAYWRIGHT)


@lru_cache(maxsize=1)
def node_ok() -> tuple[bool, str]:
    node = node_binary()
    if not node:
        return False, f"`node` not found; {NODE_HINT}"
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    major = int(out.stdout.strip().lstrip("v").split(".")[0] or 0) if out.returncode == 0 else 0
    if major < 18:
        return False, f"{node} is {out.stdout.strip() or 'broken'}; node 18 or newer is needed ({NODE_HINT})"
    return True, f"node {out.stdout.strip()} ({node})"


@lru_cache(maxsize=1)
def chromium_ok() -> tuple[bool, str]:
    path = chromium_binary()
    if not path:
        return False, f"`chromium` not found; {CHROMIUM_HINT}"
    # `chromium --version` starts the browser's wrapper (slow on a busy machine): the package says it
    ver = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "chromium"], capture_output=True, text=True,
                         timeout=30).stdout.strip() if shutil.which("dpkg-query") else ""
    return True, f"{path}" + (f" (Debian chromium {ver})" if ver else "")


def all_checks() -> list[tuple[str, object, str]]:
    return [("chromium", chromium_ok, CHROMIUM_HINT), ("node", node_ok, NODE_HINT),
            ("three (npm, pinned)", three_ok, NPM_HINT), ("playwright-core (npm, pinned)", playwright_ok, NPM_HINT)]


@lru_cache(maxsize=1)
def entry_points() -> dict:
    """The pinned package's own ES-module entry points, `three/webgpu` -> `build/three.webgpu.js`: every
    exact (not `*`) name of its package.json `exports` (three, three/addons, three/webgpu, three/tsl)."""
    exports = json.loads((THREE / "package.json").read_text())["exports"]
    out = {}
    for key, target in exports.items():
        file = target.get("import") if isinstance(target, dict) else target
        if "*" not in key and isinstance(file, str) and file.endswith(".js"):
            out["three" + key[1:]] = file[2:]
    return out


@lru_cache(maxsize=1)
def addon_files() -> frozenset:
    """Every importable `three/addons/...` path of the pinned package (examples/jsm, .js files)."""
    root = THREE / "examples" / "jsm"
    return frozenset(p.relative_to(root).as_posix() for p in root.rglob("*.js"))
