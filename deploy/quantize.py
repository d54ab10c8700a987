"""k-quant GGUF files (q4_k_m, q5_k_m, q6_k) through llama.cpp's own `llama-quantize`, built from the sdist
pinned in env/llama_cpp.lock.

`make llama-quantize` (scripts/build_llama_quantize.py) unpacks the sdist's vendor/llama.cpp into the cache
(.cache/llama.cpp/src-<version>/) and compiles two of its tools with cmake, nothing else: `llama-quantize`
(f16 GGUF -> k-quant GGUF) and `llama-bench` (tokens/s of a GGUF, for the docs). The converter cannot write
k-quants itself (its --outtype stops at q8_0), hence the compiled tool. A missing binary is a UserError naming
the make target, never a skipped file.

What `quantize` checks: the tool's exit status and that the output starts with the GGUF magic; it reports
how many tensors llama-quantize had to keep in another type (a k-quant needs rows that are a multiple of
256 values; smaller models, like the embedded one with hidden size 576, fall back on many tensors). Whether
the file still generates what the merged model does is deploy/gguf.py's check (reported, not gated: lossy).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

from core.errors import UserError
from core.models import cache_dir
from deploy import gguf

K_QUANTS = {"q4_k_m": "Q4_K_M", "q5_k_m": "Q5_K_M", "q6_k": "Q6_K"}
TOOLS = ("llama-quantize", "llama-bench")
# what the build switches off: tests, examples, the server and its web UI (the UI would be downloaded), TLS
CMAKE_FLAGS = ["-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
               "-DLLAMA_BUILD_SERVER=OFF", "-DLLAMA_BUILD_APP=OFF", "-DLLAMA_OPENSSL=OFF", "-DBUILD_SHARED_LIBS=OFF"]
MISSING = ("llama-quantize is not built: run `make llama-quantize` (compiles it from the llama-cpp-python sdist "
           "pinned in env/llama_cpp.lock with cmake; 7 min of CPU measured)")


def build_dir() -> Path:
    return cache_dir() / "llama.cpp" / f"build-{gguf.pinned()[0]}"


def tool(name: str = "llama-quantize") -> Path | None:
    path = build_dir() / "bin" / name
    return path if path.is_file() and os.access(path, os.X_OK) else None


def source_dir() -> Path:
    """The sdist's whole vendor/llama.cpp, unpacked once into the cache."""
    dest = cache_dir() / "llama.cpp" / f"src-{gguf.pinned()[0]}"
    if not (dest / "CMakeLists.txt").is_file():
        gguf.unpack_sdist(dest, _unpack_all)
    return dest


def _unpack_all(tarball: Path, out: Path):
    with tarfile.open(tarball) as tf:
        members = [m for m in tf.getmembers() if m.name.split("/")[1:3] == ["vendor", "llama.cpp"]
                   and len(m.name.split("/")) > 3 and (m.isfile() or m.isdir())]
        for m in members:
            m.name = m.name.split("/", 3)[3]
        tf.extractall(out, members=members, filter="data")


def build(jobs: int = 2, log=print) -> dict:
    """cmake configure + build of TOOLS; returns their paths. Reruns are incremental (cmake's own stamps)."""
    if shutil.which("cmake") is None:
        raise UserError("building llama-quantize needs cmake and a C++ compiler: apt-get install -y cmake g++")
    src, out = source_dir(), build_dir()
    steps = [["cmake", "-S", str(src), "-B", str(out), *CMAKE_FLAGS],
             ["cmake", "--build", str(out), "-j", str(jobs), "--target", *TOOLS]]
    t0 = time.perf_counter()
    for cmd in steps:
        log("$ " + " ".join(cmd))
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            tail = "\n".join((res.stderr or res.stdout).strip().splitlines()[-8:])
            raise UserError(f"{' '.join(cmd[:2])} failed:\n{tail}")
    missing = [t for t in TOOLS if tool(t) is None]
    if missing:
        raise UserError(f"the build finished without {missing} in {out / 'bin'}")
    return {t: str(tool(t)) for t in TOOLS} | {"seconds": round(time.perf_counter() - t0, 1)}


def quantize(f16_file, out_file, qtype: str, threads: int = 1) -> dict:
    """llama-quantize f16 -> qtype, written atomically; {"file", "outtype", "bytes", "seconds", "fallback"}."""
    if qtype not in K_QUANTS:
        raise UserError(f"k-quant {qtype!r}: expected one of {', '.join(K_QUANTS)}")
    exe = tool()
    if exe is None:
        raise UserError(MISSING)
    out_file = Path(out_file)
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    t0 = time.perf_counter()
    res = subprocess.run([str(exe), str(f16_file), str(tmp), K_QUANTS[qtype], str(threads)],
                         capture_output=True, text=True)
    text = res.stdout + res.stderr
    if res.returncode != 0 or not tmp.is_file() or tmp.read_bytes()[:4] != b"GGUF":
        tmp.unlink(missing_ok=True)
        tail = "\n".join(text.strip().splitlines()[-6:])
        raise UserError(f"llama-quantize {qtype} failed on {f16_file}:\n{tail}")
    os.replace(tmp, out_file)
    m = re.search(r"(\d+) of (\d+) tensor\(s\) required fallback", text)
    return {"file": out_file.name, "outtype": qtype, "bytes": out_file.stat().st_size,
            "seconds": round(time.perf_counter() - t0, 1),
            "fallback": {"tensors": int(m.group(1)), "of": int(m.group(2))} if m else {"tensors": 0}}


def from_merged(merged_dir, out_file, qtype: str, f16_file=None) -> dict:
    """A k-quant of the merged folder: from `f16_file` when the export already wrote one, else from an f16
    made by the converter beside `out_file` and removed afterwards."""
    if tool() is None:
        raise UserError(MISSING)
    out_file = Path(out_file)
    if f16_file is not None and Path(f16_file).is_file():
        return quantize(f16_file, out_file, qtype)
    f16 = out_file.with_name(f".{out_file.stem}.f16-source.gguf")
    try:
        made = gguf.convert(merged_dir, f16, "f16")
        return quantize(f16, out_file, qtype) | {"seconds_f16": made["seconds"]}
    finally:
        f16.unlink(missing_ok=True)
