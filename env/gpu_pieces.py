"""What a GPU run needs that a machine may lack, each explained: what it is, why the workbench needs it, how
to get it. Gate A (env/gate_a.py --stack gpu) lists these after its own checks, so `make gate-a STACK=gpu`
on a CPU machine says what is missing instead of only failing. Standard library at the top, like gate A.

Not checked here: that the pieces work together (only a run on the card does), or the training configs on
paper (scripts/dry_run.py does that without a GPU).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

# (name, why, how, critical): one line each, for a user who has never set up CUDA
PACKAGES = [
    ("bitsandbytes", "QLoRA loads the base model in 4-bit NF4 through its CUDA kernels (load_in_4bit: true)",
     "make env STACK=gpu on the GPU machine (env/gpu.lock pins it)", True),
    ("unsloth", "the optional faster training backend (backend: unsloth), as one seed system used",
     "make env STACK=gpu (pinned with the transformers/TRL versions it accepts)", False),
    ("vllm", "the optional GPU server (make serve ARGS=\"--backend vllm\")", "make env STACK=gpu", False),
]
WHY_CARD = ("QLoRA, Unsloth and vLLM run CUDA kernels only; the shipped GPU configs need ~12 GiB "
            "(qwen2.5-coder-7b) and more for gpt-oss-20b (make dry-run CONFIG=... estimates it here)")


def driver() -> tuple[bool, str, str]:
    """(ok, what was found, how to get it) for the NVIDIA kernel driver."""
    proc = Path("/proc/driver/nvidia/version")
    if proc.is_file():
        return True, proc.read_text().splitlines()[0].strip(), ""
    smi = shutil.which("nvidia-smi")
    found = f"nvidia-smi at {smi} but no driver loaded" if smi else "no NVIDIA driver (/proc/driver/nvidia absent, no nvidia-smi)"
    return False, found, ("use a machine with an NVIDIA card (Ampere or newer, e.g. RTX 3090) and a driver >= 570 "
                          "(CUDA 12.8, what env/gpu.lock's torch 2.10 wheels are built for); in docker: --gpus all "
                          "with the NVIDIA container toolkit")


def torch_cuda() -> tuple[bool, str, str]:
    try:
        import torch
    except ImportError as exc:
        return False, f"torch does not import ({exc})", "make env STACK=gpu"
    build = torch.version.cuda
    if build is None:
        return False, f"torch {torch.__version__} is a CPU-only build", \
            "make env STACK=gpu installs the CUDA 12.8 build pinned in env/gpu.lock (several GB)"
    return True, f"torch {torch.__version__} built for CUDA {build}", ""


def pieces() -> list[tuple[str, bool, str, str, bool]]:
    """[(name, ok, detail, hint, critical)]: driver, CUDA build of torch, the GPU packages."""
    ok, found, how = driver()
    out = [("gpu:driver", ok, f"{found}. Why: {WHY_CARD}", how, True)]
    ok, found, how = torch_cuda()
    out.append(("gpu:torch-cuda", ok, f"{found}. Why: the model and LoRA run on the card through torch's CUDA build",
                how, True))
    for name, why, how, critical in PACKAGES:
        spec = importlib.util.find_spec(name)
        found = f"{name} installed" if spec else f"{name} not installed"
        out.append((f"gpu:{name}", spec is not None, f"{found}. Why: {why}", how, critical))
    if os.environ.get("CUDA_VISIBLE_DEVICES") == "":
        out.append(("gpu:visible", False, "CUDA_VISIBLE_DEVICES is set empty: torch sees no card",
                    "unset CUDA_VISIBLE_DEVICES", True))
    return out
