"""The Three.js validator's levels before the browser: extracts, parses, imports.

* extracts: the first fenced code block of the completion (```js, ```javascript, or untagged), else the
  text from the first line that starts with `import`;
* parses: `node --check` on a `.mjs` file (a real ES-module parse; a `.js` file would be parsed as a
  script and a syntax error could pass silently), the error as `scene.js:LINE: message`;
* imports: every module specifier (static `import`/`export ... from`, and dynamic `import('...')`) is
  an entry point of the pinned package (`three`, `three/webgpu`, `three/tsl`, `three/addons`: its
  package.json `exports`) or `three/addons/<file>.js` that exists in it; anything else (a CDN URL, a
  made-up addon, a bare npm name) is named. A dynamic import with a computed specifier is named too.
What it does not check: what the code does (the browser levels do that).
"""
from __future__ import annotations

import difflib
import os
import re
import subprocess
import tempfile
from domains.threejs import toolchain

MAX_CODE_BYTES = 200_000
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_JS_TAGS = {"", "js", "javascript", "mjs", "jsx", "ts", "typescript", "html"}
_FROM = re.compile(r"""(?:^|[;\s])(?:import|export)\s[^'";]*?\bfrom\s*(['"])([^'"\n]+)\1""", re.M)
_BARE = re.compile(r"""(?:^|[;\s])import\s*(['"])([^'"\n]+)\1""", re.M)
_DYNAMIC = re.compile(r"""\bimport\s*\(\s*(['"`]?)([^'"`)\n]*)\1\s*\)""")
# strings first (kept), so a `//` inside a URL string is not taken for a comment; comments blanked
_COMMENT = re.compile(r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|/\*.*?\*/|//[^\n]*""", re.S)
PARSE_TIMEOUT_S = 30


def extract(completion: str) -> str | None:
    text = completion or ""
    for m in _FENCE.finditer(text):
        if m.group(1).lower() in _JS_TAGS and m.group(2).strip():
            return m.group(2).strip() + "\n"
    m = re.search(r"^import\b", text, re.M)
    return text[m.start():].strip() + "\n" if m else None


def parse_error(code: str) -> str | None:
    """None when node parses `code` as an ES module, else 'scene.js:LINE: message'."""
    fd, path = tempfile.mkstemp(suffix=".mjs", prefix="wb-three-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(code)
        out = subprocess.run([toolchain.node_binary(), "--check", path], capture_output=True, text=True,
                             timeout=PARSE_TIMEOUT_S)
    finally:
        os.unlink(path)
    if out.returncode == 0:
        return None
    return _node_message(out.stderr, path)


def _node_message(stderr: str, path: str) -> str:
    lines = stderr.replace(path, "scene.js").splitlines()
    where = next((ln.strip() for ln in lines if ln.startswith("scene.js:")), "scene.js")
    msg = next((ln.strip() for ln in lines if re.match(r"^\w*Error\b", ln.strip())), lines[-1] if lines else "")
    return f"{where}: {msg}"


def specifiers(code: str) -> list[str]:
    """Module specifiers in source order ('<computed>' for a dynamic import of an expression)."""
    src = _COMMENT.sub(lambda m: m.group(1) or " " * len(m.group(0)), code)
    found = [(m.start(2), m.group(2)) for m in _FROM.finditer(src)]
    found += [(m.start(2), m.group(2)) for m in _BARE.finditer(src)]
    for m in _DYNAMIC.finditer(src):
        found.append((m.start(2), m.group(2) if m.group(1) and "${" not in m.group(2) else "<computed>"))
    return [s for _, s in sorted(set(found))]


def import_problems(code: str) -> list[str]:
    """Each specifier that is not an entry point or an existing `three/addons/...` file, named."""
    addons = toolchain.addon_files()
    bad = []
    for spec in specifiers(code):
        if spec in toolchain.entry_points():
            continue
        if spec.startswith("three/addons/"):
            rel = spec[len("three/addons/"):]
            if rel in addons:
                continue
            near = difflib.get_close_matches(rel, sorted(addons), n=1, cutoff=0.8)
            hint = f" (did you mean three/addons/{near[0]}?)" if near else ""
            bad.append(f"'{spec}' is not a file of three {toolchain.pinned('three')}{hint}")
        elif spec == "<computed>":
            bad.append("a dynamic import() of a computed specifier")
        elif re.match(r"^[a-z]+:", spec) or spec.startswith("//"):
            bad.append(f"'{spec}' is a URL: only `three` and `three/addons/...` from the pinned package load")
        else:
            bad.append(f"'{spec}' is not an entry point of three ({', '.join(toolchain.entry_points())}) "
                       "or `three/addons/...`")
    return bad
