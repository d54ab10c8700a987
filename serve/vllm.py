"""The GPU path of `make serve`: vLLM's own OpenAI-compatible server with the LoRA adapter.

    make serve DOMAIN=luanti MODEL=<hf model folder or hub id> ADAPTER=<adapter> ARGS="--backend vllm"

runs `vllm serve <base> --enable-lora --lora-modules <name>=<adapter> --max-lora-rank <r> ...`; clients
ask for model <name> (the adapter) or for the base. vLLM applies a LoRA at its trained scale only:
another --scale needs `make export` first (the adapter merged at that scale) and vLLM serving the merged
folder. The embedded model is served from its converted safetensors copy (vLLM does not load the Q4_1
GGUF's Llama as a base for LoRA). Not runnable on the CPU machines of this project (no GPU, no vllm);
`command()` is plain Python and tested.
"""
from __future__ import annotations

import json
from pathlib import Path

from core import models
from core.errors import UserError


def command(model_spec, adapter=None, scale=1.0, host="127.0.0.1", port=8000, name="workbench",
            context=None) -> list[str]:
    ref = models.resolve(model_spec)
    if ref.kind == "embedded" and ref.gguf_file:
        ref = models.resolve(str(models.ensure_embedded_converted()))
    if ref.gguf_file:
        raise UserError(f"{ref.spec}: vLLM serves a LoRA on a transformers folder or hub id, not a GGUF file")
    cmd = ["vllm", "serve", ref.path, "--host", host, "--port", str(port), "--dtype", "auto",
           "--generation-config", "vllm"]
    if context:
        cmd += ["--max-model-len", str(int(context))]
    if adapter:
        if abs(float(scale) - 1.0) > 1e-9:
            raise UserError(f"--scale {scale}: vLLM applies a LoRA at scale 1.0 only; run `make export "
                            f"ARGS='--scale {scale}'` and serve the merged folder as MODEL= instead")
        cfg = json.loads((Path(adapter) / "adapter_config.json").read_text())
        cmd += ["--enable-lora", "--lora-modules", f"{name}={Path(adapter).resolve()}",
                "--max-lora-rank", str(int(cfg.get("r", 16)))]
    else:
        cmd += ["--served-model-name", name]
    return cmd
