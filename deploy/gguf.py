"""GGUF files through llama.cpp's own converter, and a check that they generate what the merged model does.

Where the converter comes from: the llama-cpp-python source distribution pinned with its sha256 in
env/llama_cpp.lock. `pip download --require-hashes` fetches it once into the cache (.cache/llama.cpp/,
WB_CACHE to move it); only vendor/llama.cpp's `convert_hf_to_gguf.py`, `conversion/` and `gguf-py/` are
unpacked (nothing is compiled). The converter runs as its own process on the merged folder:
`--outtype f16` (each float32 weight rounded once to half precision) and `q8_0` (8-bit blocks, ~half the size).

The checks: the merged float32 model greedy-decodes a few prompts (`merged_greedy`); each GGUF does the
same from the same prompt token ids, loaded by transformers (`greedy_check`, de-quantized) and, when the
compiled bindings are installed (`make llama-cpp`, optional), by llama.cpp itself (`llama_check`, where
Ollama and LM Studio run it). `compare` reports per prompt the index of the first differing token and
applies the criterion of EXACT (f16 token for token; q8_0 reported). One flip is forgiven: at a step where
the merged model's top two logits are within NEAR_TIE and the GGUF took the runner-up, f16's rounding of the
weights (a logit moves by ~0.02 on the embedded model) can decide the tie; the texts part there and are not
compared further, and the flip is reported. Not checked: sampling, or Ollama itself.
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
    if not (dest / "convert_hf_to_gguf.py").is_file():
        unpack_sdist(dest, _unpack)
    return dest


def unpack_sdist(dest: Path, unpack) -> None:
    """Download the pinned sdist into a temporary folder beside `dest`, `unpack(tarball, out)`, then move
    `out` to `dest` in one step (a killed run leaves no half-unpacked `dest`)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sdist-", dir=dest.parent))
    try:
        unpack(_download(tmp), tmp / "out")
        os.replace(tmp / "out", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _download(into: Path) -> Path:
    # only the sdist line: the lock's other lines are wheels for `make llama-cpp`, not needed to convert
    version, sha = pinned()
    req = into / "sdist.txt"
    req.write_text(f"llama-cpp-python=={version} --hash=sha256:{sha}\n")
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
           "--require-hashes", "-r", str(req), "-d", str(into)]
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
    # the converter runs in its own folder: a relative path (`--out exports/x`) must not point there
    model_dir, out_file = Path(model_dir).resolve(), Path(out_file).resolve()
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


# What "the GGUF generates what the merged model does" means, per type. Both sides greedy-decode the same
# prompt token ids (the merged model's tokenizer) for max_new_tokens or to an end-of-turn token.
# f16 / bf16 / f32 round each merged float32 weight at most once (f16: relative error <= 2^-11), far
# below the logit gaps greedy decoding meets on these prompts: they must match token for token on every
# prompt (a miss fails the check). q8_0 quantizes blocks of 32 weights to 8 bits, which moves logits enough
# to flip a near-tie: its first divergence (token index) per prompt is reported, not gated; so are the
# k-quants (q4_k_m, q5_k_m, q6_k of deploy/quantize.py), which lose more.
EXACT = ("f16", "bf16", "f32")
NEAR_TIE = 0.05  # logits: a greedy step this close can flip under f16 rounding; measured 0.0015 where it did


def outtype_of(gguf_file) -> str:
    m = re.search(r"-(f16|bf16|f32|q8_0|q4_k_m|q5_k_m|q6_k)\.gguf$", Path(gguf_file).name)
    if not m:
        raise UserError(f"{gguf_file}: cannot tell the GGUF type from the name (expected <name>-<type>.gguf)")
    return m.group(1)


def eos_ids(model_dir) -> set[int]:
    from transformers import AutoConfig, GenerationConfig

    try:
        e = GenerationConfig.from_pretrained(model_dir).eos_token_id
    except OSError:  # no generation_config.json: the model config's
        e = AutoConfig.from_pretrained(model_dir).eos_token_id
    return set(e if isinstance(e, list) else [e]) - {None}


def _until_eos(tokens, eos) -> list[int]:
    out = []
    for t in tokens:
        out.append(int(t))
        if int(t) in eos:
            break
    return out


def _greedy(model, prompt_ids, max_new_tokens, eos, runners_up: list | None = None) -> list[list[int]]:
    """Greedy tokens per prompt; with `runners_up`, also [second-best token, top-1 minus top-2 logit] per step."""
    import torch

    outs = []
    with torch.inference_mode():
        for ids in prompt_ids:
            x = torch.tensor([ids], dtype=torch.long)
            gen = model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=max_new_tokens,
                                 do_sample=False, eos_token_id=sorted(eos), pad_token_id=sorted(eos)[0],
                                 output_scores=runners_up is not None, return_dict_in_generate=True)
            toks = _until_eos(gen.sequences[0, len(ids):].tolist(), eos)
            outs.append(toks)
            if runners_up is not None:
                top = [s[0].float().topk(2) for s in gen.scores[:len(toks)]]
                runners_up.append([[int(t.indices[1]), round(float(t.values[0] - t.values[1]), 6)] for t in top])
    return outs


def merged_greedy(merged_dir, prompts, max_new_tokens: int = 32) -> dict:
    """The reference: {"prompt_ids", "tokens", "max_new_tokens"} of the merged folder in float32."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(merged_dir)
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()
    ids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
    runners_up: list = []
    return {"prompt_ids": ids, "tokens": _greedy(merged, ids, max_new_tokens, eos_ids(merged_dir), runners_up),
            "runners_up": runners_up, "max_new_tokens": max_new_tokens}


def compare(want: dict, got: list[list[int]], outtype: str, loader: str, decode=None) -> dict:
    """Token-level comparison of greedy outputs against the merged model's, with the verdict of EXACT."""
    per = []
    for a, b in zip(want["tokens"], got):
        d = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
        if d is None and len(a) != len(b):
            d = min(len(a), len(b))
        per.append(d)
    identical = sum(d is None for d in per)
    ties = want.get("runners_up") or [[] for _ in per]
    near = [d is not None and d < len(r) and d < len(b) and b[d] == r[d][0] and r[d][1] < NEAR_TIE
            for d, r, b in zip(per, ties, got)]
    exact = outtype in EXACT
    out = {"loader": loader, "outtype": outtype, "prompts": len(per), "max_new_tokens": want["max_new_tokens"],
           "identical": identical, "first_divergence": per,
           "near_ties": [{"prompt": i, "step": d, "margin": r[d][1]}
                         for i, (d, r, n) in enumerate(zip(per, ties, near)) if n],
           "criterion": (f"token for token on every prompt, up to one flip to the merged model's runner-up where its "
                         f"top two logits are within {NEAR_TIE}" if exact else "reported, not gated"),
           "passed": (identical + sum(near) == len(per)) if exact else None}
    k = next((i for i, d in enumerate(per) if d is not None), None)
    if k is not None and decode is not None:
        out["first_difference"] = {"prompt": k, "merged": decode(want["tokens"][k]), "gguf": decode(got[k])}
    return out


def greedy_check(merged_dir, gguf_file, prompts, max_new_tokens: int = 32, want=None) -> dict:
    """Greedy tokens of the merged folder vs the GGUF as transformers loads it (de-quantized to float32)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    want = want or merged_greedy(merged_dir, prompts, max_new_tokens)
    gguf_file = Path(gguf_file)
    model = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name,
                                                 dtype=torch.float32).eval()
    got = _greedy(model, want["prompt_ids"], want["max_new_tokens"], eos_ids(merged_dir))
    tok = AutoTokenizer.from_pretrained(merged_dir)
    return compare(want, got, outtype_of(gguf_file), "transformers", tok.decode)


def llama_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def llama_check(merged_dir, gguf_file, prompts, max_new_tokens: int = 32, want=None, threads: int = 1) -> dict:
    """The same comparison in llama.cpp itself (the llama-cpp-python bindings, `make llama-cpp`), fed the
    same prompt token ids; also whether llama.cpp's own tokenizer (what Ollama and LM Studio use) cuts each
    prompt text into the same ids. One thread by default: llama.cpp's OpenMP threads collapse when another
    CPU-bound process runs beside them."""
    from llama_cpp import Llama
    from transformers import AutoTokenizer

    want = want or merged_greedy(merged_dir, prompts, max_new_tokens)
    eos = eos_ids(merged_dir)
    llm = Llama(model_path=str(gguf_file), n_ctx=4096, n_threads=threads, seed=0, verbose=False)
    got, made, t0 = [], 0, time.perf_counter()
    for ids in want["prompt_ids"]:
        out = []
        for t in llm.generate(ids, top_k=1, top_p=1.0, min_p=0.0, temp=0.0, repeat_penalty=1.0, reset=True):
            out.append(int(t))
            if t in eos or len(out) >= want["max_new_tokens"]:
                break
        got.append(out)
        made += len(out)
    seconds = time.perf_counter() - t0
    same_ids = sum(llm.tokenize(p.encode("utf-8"), add_bos=False, special=True) == ids
                   for p, ids in zip(prompts, want["prompt_ids"]))
    tok = AutoTokenizer.from_pretrained(merged_dir)
    return compare(want, got, outtype_of(gguf_file), "llama.cpp", tok.decode) | {
        "tokenizer_agrees": same_ids, "threads": threads,
        "tokens_per_s": round(made / seconds, 1) if seconds > 0 else None}
