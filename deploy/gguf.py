"""GGUF files through llama.cpp's own converter, and a check that they generate what the merged model does.

Where the converter comes from: the llama-cpp-python source distribution pinned with its sha256 in
env/llama_cpp.lock. `pip download --require-hashes` fetches it once into the cache (.cache/llama.cpp/,
WB_CACHE to move it); only vendor/llama.cpp's `convert_hf_to_gguf.py`, `conversion/` and `gguf-py/` are
unpacked (nothing is compiled). The converter runs as its own process on the merged folder:
`--outtype f16` (lossless for these weights' range) and `q8_0` (8-bit blocks, ~half the size).

The check (`greedy_check`): transformers loads the GGUF (de-quantizing it) and greedy-decodes a few
prompts next to the merged model; the share of identical completions is reported. Loading the GGUF in
llama.cpp itself needs the compiled bindings (`make llama-cpp`, optional): `llama_check` does the same
comparison there when they are installed. Not checked: other quantizations, or Ollama itself.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from core.errors import UserError
from core.meta import ROOT
from core.models import cache_dir

LOCK = ROOT / "env" / "llama_cpp.lock"
OUTTYPES = ("f16", "q8_0", "bf16", "f32")
_KEEP = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/", "LICENSE")


def pinned() -> tuple[str, str]:
    """(version, sha256) of llama-cpp-python in env/llama_cpp.lock."""
    text = LOCK.read_text()
    m = re.search(r"^llama-cpp-python==(\S+)\s*\\?\s*--hash=sha256:([0-9a-f]{64})", text, re.M)
    if not m:
        raise UserError(f"{LOCK}: expected 'llama-cpp-python==<version> --hash=sha256:<64 hex>'")
    return m.group(1), m.group(2)


def converter_dir() -> Path:
    """vendor/llama.cpp of the pinned sdist, unpacked in the cache (downloaded on first use)."""
    version, _ = pinned()
    dest = cache_dir() / "llama.cpp" / f"llama-cpp-python-{version}"
    if (dest / "convert_hf_to_gguf.py").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sdist-", dir=dest.parent))
    try:
        tarball = _download(tmp)
        _unpack(tarball, tmp / "out")
        os.replace(tmp / "out", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _download(into: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
           "--require-hashes", "-r", str(LOCK), "-d", str(into)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(into.glob("llama_cpp_python-*.tar.gz"))
    if res.returncode != 0 or not found:
        raise UserError(f"could not fetch the llama-cpp-python sdist pinned in {LOCK} (needs PyPI once): "
                        f"{(res.stderr or res.stdout).strip()[-400:]}")
    return found[0]


def _unpack(tarball: Path, out: Path):
    with tarfile.open(tarball) as tf:
        for m in tf.getmembers():
            parts = m.name.split("/", 3)
            if len(parts) < 4 or parts[1:3] != ["vendor", "llama.cpp"]:
                continue
            rel = parts[3]
            if (m.isfile() and any(rel == k or rel.startswith(k) for k in _KEEP)
                    and ".." not in rel.split("/")):
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with tf.extractfile(m) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    if not (out / "convert_hf_to_gguf.py").is_file():
        raise UserError(f"{tarball}: no vendor/llama.cpp/convert_hf_to_gguf.py inside")


def convert(model_dir, out_file, outtype: str) -> dict:
    """Run llama.cpp's convert_hf_to_gguf.py; {"file", "outtype", "bytes", "seconds"}."""
    if outtype not in OUTTYPES:
        raise UserError(f"GGUF type {outtype!r}: expected one of {', '.join(OUTTYPES)}")
    conv = converter_dir()
    out_file = Path(out_file)
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, str(conv / "convert_hf_to_gguf.py"), str(model_dir),
                          "--outtype", outtype, "--outfile", str(tmp)], capture_output=True, text=True,
                         cwd=conv, env=_env())
    if res.returncode != 0:
        tmp.unlink(missing_ok=True)
        tail = "\n".join((res.stderr or res.stdout).strip().splitlines()[-6:])
        raise UserError(f"llama.cpp's convert_hf_to_gguf.py failed on {model_dir} ({outtype}):\n{tail}")
    os.replace(tmp, out_file)
    return {"file": out_file.name, "outtype": outtype, "bytes": out_file.stat().st_size,
            "seconds": round(time.perf_counter() - t0, 1)}


def _env() -> dict:
    """The converter uses its own gguf-py (matching its code) unless NO_LOCAL_GGUF is set: unset it."""
    return {k: v for k, v in os.environ.items() if k != "NO_LOCAL_GGUF"}


def _greedy(model, tok, prompts, max_new_tokens) -> list[str]:
    import torch

    outs = []
    with torch.inference_mode():
        for p in prompts:
            ids = tok(p, return_tensors="pt", add_special_tokens=False)
            gen = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id)
            outs.append(tok.decode(gen[0, ids["input_ids"].shape[1]:], skip_special_tokens=True))
    return outs


def merged_greedy(merged_dir, prompts, max_new_tokens: int = 32) -> list[str]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(merged_dir)
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()
    return _greedy(merged, tok, prompts, max_new_tokens)


def _compare(loader, want, got, max_new_tokens) -> dict:
    return {"loader": loader, "prompts": len(want), "max_new_tokens": max_new_tokens,
            "identical": sum(a == b for a, b in zip(want, got)),
            "first_difference": next(({"merged": a, "gguf": b} for a, b in zip(want, got) if a != b), None)}


def greedy_check(merged_dir, gguf_file, prompts, max_new_tokens: int = 32, want=None) -> dict:
    """Greedy completions of the merged folder vs the GGUF as transformers loads it."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    want = want if want is not None else merged_greedy(merged_dir, prompts, max_new_tokens)
    gguf_file = Path(gguf_file)
    model = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name,
                                                 dtype=torch.float32).eval()
    got = _greedy(model, AutoTokenizer.from_pretrained(merged_dir), prompts, max_new_tokens)
    return _compare("transformers", want, got, max_new_tokens)


def llama_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def llama_check(merged_dir, gguf_file, prompts, max_new_tokens: int = 32, want=None, threads: int = 1) -> dict:
    """The same comparison in llama.cpp itself (needs `make llama-cpp`). One thread: llama.cpp's OpenMP
    threads collapse when another CPU-bound process runs beside them."""
    from llama_cpp import Llama

    want = want if want is not None else merged_greedy(merged_dir, prompts, max_new_tokens)
    llm = Llama(model_path=str(gguf_file), n_ctx=4096, n_threads=threads, seed=0, verbose=False)
    got = []
    for p in prompts:
        toks = llm.tokenize(p.encode("utf-8"), add_bos=False, special=True)
        out = []
        for t in llm.generate(toks, top_k=1, temp=0.0, reset=True):
            if t == llm.token_eos() or len(out) >= max_new_tokens:
                break
            out.append(t)
        got.append(llm.detokenize(out).decode("utf-8", "replace"))
    return _compare("llama.cpp", want, got, max_new_tokens)
