"""Which floating-point precision to compute in, chosen per machine by measuring it.

Why: bfloat16 is ~4x faster than float32 on a CPU with native bf16 (AVX512-BF16, AMX) and 10-70x
slower on one without (AVX2 only: no bf16 arithmetic, every op converts), where the demo's training
step took 286.6 s instead of 31.5 s. So `auto` never assumes: it runs a sub-second matmul probe in both
precisions, keeps the figures in `.cache/precision/<machine key>.json`, and picks bf16 only where it
measured faster by a margin. On a CUDA GPU, `auto` is bf16 where the device supports it.

`choose()` is the decision on given figures (tested without timing); `probe()` takes the figures;
`resolve()` turns a request (`auto`, `bf16`, `fp32`) into a concrete precision with its evidence, which
results, checkpoints and gate A record. An explicit request always wins and is recorded as such.

What it does not do: fp16 (CPU fp16 has the same problem as bf16 and a narrower range), or per-op
choices (one precision for a run).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from pathlib import Path

REQUESTS = ("auto", "bf16", "fp32")
BF16_MARGIN = 1.2   # bf16 must be this much faster than fp32 to be chosen (noise, conversion costs)
PROBE_N = 512       # square matmul side: big enough to reach the kernels' speed, small enough to be quick
PROBE_SECONDS = 0.15  # per precision; at least one product is always timed
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16", "amx_tile")


def cpu_facts() -> dict:
    """What the CPU says of itself: model name, torch's kernel capability, native bf16 flags, threads."""
    import torch

    flags, name = set(), platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, val = line.partition(":")
            if key.strip() in ("flags", "Features") and not flags:
                flags = set(val.split())
            elif key.strip() == "model name" and val.strip():
                name = val.strip()
    except OSError:
        pass
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except Exception:  # noqa: BLE001 - an old torch: the probe still decides
        capability = "unknown"
    return {"cpu": name, "machine": platform.machine(), "capability": capability,
            "native_bf16_flags": sorted(f for f in CPU_BF16_FLAGS if f in flags),
            "threads": torch.get_num_threads(), "cores": os.cpu_count()}


def matmul_gflops(dtype, n: int = PROBE_N, seconds: float = PROBE_SECONDS) -> float:
    """Sustained GFLOP/s of an n x n matmul in `dtype`, timed for at least `seconds` after a warm-up."""
    import torch

    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b  # warm-up: first-call dispatch and allocation
    reps, t0 = 0, time.perf_counter()
    while True:
        a @ b
        reps += 1
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return round(2 * n ** 3 * reps / dt / 1e9, 2)


def probe() -> dict:
    """Measured matmul throughput (GFLOP/s) in fp32 and bf16 on this CPU, with the threads in use."""
    import torch

    return {"fp32_gflops": matmul_gflops(torch.float32), "bf16_gflops": matmul_gflops(torch.bfloat16),
            "matmul": f"{PROBE_N}x{PROBE_N}", "threads": torch.get_num_threads(), "measured": time.time()}


def choose(probe_figures: dict | None, device: str = "cpu", cuda_bf16: bool = False) -> tuple[str, str]:
    """(precision, reason) for `auto`, from measured figures (CPU) or the device's bf16 support (CUDA)."""
    if device == "cuda":
        return ("bf16", "CUDA device supports bf16") if cuda_bf16 else ("fp32", "CUDA device without bf16")
    if not probe_figures:
        return "fp32", "no probe figures: fp32 is the safe choice"
    f32, b16 = probe_figures["fp32_gflops"], probe_figures["bf16_gflops"]
    if b16 >= BF16_MARGIN * f32:
        return "bf16", f"bf16 matmul {b16:g} GFLOP/s >= {BF16_MARGIN}x fp32 {f32:g} GFLOP/s"
    return "fp32", f"bf16 matmul {b16:g} GFLOP/s is not {BF16_MARGIN}x faster than fp32 {f32:g} GFLOP/s"


def machine_key(facts: dict) -> str:
    import torch

    text = json.dumps([facts["cpu"], facts["machine"], facts["capability"], facts["native_bf16_flags"],
                       facts["threads"], torch.__version__])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_path(facts: dict) -> Path:
    from core.models import cache_dir

    return cache_dir() / "precision" / f"{machine_key(facts)}.json"


def cached_probe(refresh: bool = False) -> tuple[dict, dict, bool]:
    """(cpu facts, probe figures, from_cache): probes once per machine, torch version and thread count."""
    from core.errors import UserError
    from core.files import atomic_write_json, read_json

    facts = cpu_facts()
    path = cache_path(facts)
    if path.is_file() and not refresh:
        try:
            return facts, read_json(path)["probe"], True
        except (KeyError, TypeError, UserError):
            pass  # a damaged cache file is measured again
    figures = probe()
    atomic_write_json(path, {"facts": facts, "probe": figures})
    return facts, figures, False


def _cuda() -> tuple[bool, bool]:
    import torch

    if not torch.cuda.is_available():
        return False, False
    return True, bool(torch.cuda.is_bf16_supported())


def resolve(request: str = "auto", refresh: bool = False) -> dict:
    """A request (auto | bf16 | fp32) -> {"precision", "requested", "reason", "device", ...evidence}."""
    if request not in REQUESTS:
        from core.errors import UserError

        raise UserError(f"precision {request!r}: expected one of {', '.join(REQUESTS)}")
    on_cuda, cuda_bf16 = _cuda()
    device = "cuda" if on_cuda else "cpu"
    out = {"requested": request, "device": device}
    if device == "cpu":
        facts, figures, cached = cached_probe(refresh)
        out.update(cpu=facts, probe=figures, probe_cached=cached)
    else:
        figures = None
    if request == "auto":
        out["precision"], out["reason"] = choose(figures, device, cuda_bf16)
    else:
        out["precision"], out["reason"] = request, f"asked for {request}"
    return out


def describe(choice: dict) -> str:
    """One line for logs and gate A."""
    p = choice.get("probe") or {}
    figs = (f"; matmul fp32 {p['fp32_gflops']:g} / bf16 {p['bf16_gflops']:g} GFLOP/s"
            f"{' (cached)' if choice.get('probe_cached') else ''}") if p else ""
    return f"{choice['precision']} ({choice['reason']}){figs}"
