"""The GPU training path checked on paper: a training config resolved, its model built on the meta device (no
weights, no GPU, no hub), the PEFT LoRA config applied to it, and the peak VRAM of the run estimated.

What it does: `training.config.resolve` reads the YAML as `make train` does; the architecture comes from a
local model folder, else from training/archs/<hub id with / as __>.json (the public config.json's
architecture keys), else from the local Hugging Face cache; `accelerate.init_empty_weights` builds the model
with no memory; `training.backends.lora_config` (the training code's own) gives the LoRA config and PEFT
attaches it, so the listed modules are the ones a real run trains.

The estimate (GiB, one card), each term from the meta model's own parameter list:
- base weights as the project loads a QLoRA base (core/models.py: bitsandbytes NF4, double quantisation):
  modules that bitsandbytes replaces (`type(m) is nn.Linear`, not the output head) at 4 bits plus their
  quantisation constants; every other parameter (embeddings, norms, output head, and MoE experts stored as
  plain tensors, as GPT-OSS's are in transformers) in float32, because PEFT's prepare_model_for_kbit_training
  casts every non-4-bit parameter to float32;
- LoRA: float32 weights + gradients + AdamW's two moments = 16 bytes a parameter;
- activations with gradient checkpointing: each decoder layer's bf16 input kept (layers x tokens x hidden),
  plus one layer's tensors during its recomputation (tokens x [7 hidden + 2 kv width + experts per token x
  (4 intermediate + hidden)] in bf16, and one copy of the input per LoRA module for its dropout); tokens =
  batch x max_length (packed bins are full); attention by SDPA/flash (no tokens^2 matrix); the output head's
  logits are tiled by TRL's loss (training/lm_head.py) and not counted;
- CUDA context, cuBLAS workspace and allocator slack: a flat OVERHEAD_GIB.
A checkpoint that is stored pre-quantised (Unsloth's `*-unsloth-bnb-4bit`) declares it in its
training/archs/ file (`_prequantised`: the format, whether the MoE experts are in it, the loader it was made
for); the experts are then counted at 4 bits too, and a config whose backend is not that loader is refused,
since the estimate models only the path the config declares. MXFP4 (GPT-OSS's own checkpoint) is not a
training path here: transformers' Mxfp4 quantizer reports `is_trainable` False and asks to dequantise to bf16
(the experts alone are then 35.6 GiB).
Not checked: that bitsandbytes, Unsloth, the kernels or the run itself work (no GPU here), Unsloth's own
memory savings (it may keep the non-4-bit weights in bf16 and offload checkpoints: the estimate counts them
as PEFT does, an upper bound), optimiser choices other than AdamW.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.errors import UserError
from core.meta import ROOT

ARCHS = ROOT / "training" / "archs"
RTX_3090_GIB = 24.0
OVERHEAD_GIB = 1.0   # CUDA context (~0.3-0.5 GiB) + cuBLAS workspace + caching-allocator slack: an assumption
NF4_BYTES = 0.5 + 1 / 64 + 4 / (64 * 256)   # 4 bits + an 8-bit absmax per 64 weights + fp32 per 256 absmax
GIB = 2 ** 30
# What the seed systems published for these runs (quoted, with where), to set the estimate beside.
SEED_FIGURES = {
    "openai/gpt-oss-20b": "12.7 GB of GPU memory during gate B (generation, Unsloth's pre-quantised "
                          "gpt-oss-20b-unsloth-bnb-4bit, RTX 3090) and '24GB+ GPU memory' as a prerequisite "
                          "(the gpt-oss seed system's README)",
    "unsloth/gpt-oss-20b-unsloth-bnb-4bit": "12.7 GB of GPU memory during gate B (generation, this checkpoint, "
                                            "RTX 3090) and '24GB+ GPU memory' as a prerequisite (the gpt-oss "
                                            "seed system's README)",
    "Qwen/Qwen2.5-Coder-7B-Instruct": "'7B | QLoRA (4-bit) | 8-12 GB' (a seed system's hardware table, 7B QLoRA row)",
}


def arch_config(model: str):
    """(transformers config, where it came from, the `_prequantised` declaration or None) without weights or
    network. An archs/ file may name `_same_architecture_as` another hub id (a re-packed checkpoint of it)."""
    from transformers import AutoConfig

    local = Path(model)
    if (local / "config.json").is_file():
        return AutoConfig.from_pretrained(local), str(local / "config.json"), None
    shipped = ARCHS / (model.replace("/", "__") + ".json")
    if shipped.is_file():
        data = json.loads(shipped.read_text())
        source = str(shipped.relative_to(ROOT))
        if "_same_architecture_as" in data:
            base = ARCHS / (data["_same_architecture_as"].replace("/", "__") + ".json")
            if not base.is_file():
                raise UserError(f"{source}: _same_architecture_as {data['_same_architecture_as']!r} has no "
                                f"{base.relative_to(ROOT)}")
            data = json.loads(base.read_text()) | data
            source += f" + {base.relative_to(ROOT)}"
        keys = {k: v for k, v in data.items() if not k.startswith("_")}
        return AutoConfig.for_model(keys.pop("model_type"), **keys), source, _prequantised(data, source)
    try:
        return AutoConfig.from_pretrained(model, local_files_only=True), "local Hugging Face cache", None
    except OSError as exc:
        raise UserError(f"no architecture for {model!r}: not a local folder, not in {ARCHS.relative_to(ROOT)}/ "
                        "and not in the Hugging Face cache; add its config.json's keys there") from exc


def _prequantised(data: dict, source: str) -> dict | None:
    pq = data.get("_prequantised")
    if pq is None:
        return None
    if not (isinstance(pq, dict) and pq.get("format") == "bitsandbytes-nf4" and isinstance(pq.get("experts"), bool)
            and pq.get("loader") in ("peft", "unsloth")):
        raise UserError(f"{source}: _prequantised: expected {{\"format\": \"bitsandbytes-nf4\", \"experts\": "
                        f"true|false, \"loader\": \"peft\"|\"unsloth\"}}, got {pq!r}")
    return pq


def meta_peft_model(cfg, arch, experts_4bit: bool = False):
    """The PEFT model on the meta device, LoRA attached as training/backends.py attaches it."""
    from accelerate import init_empty_weights
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    from training.backends import _check_targets, lora_config

    with init_empty_weights():
        base = AutoModelForCausalLM.from_config(arch)
        _check_targets(base, cfg)
        lc = lora_config(cfg, arch.num_hidden_layers, base)
        counts = weight_bytes(base, experts_4bit)
        return get_peft_model(base, lc), lc, counts


def weight_bytes(model, experts_4bit: bool = False) -> dict:
    """Parameters by how a QLoRA load stores them: 4-bit (what bitsandbytes replaces, plus the stacked MoE
    experts when the checkpoint stores them in 4-bit) or float32."""
    import torch

    head = model.get_output_embeddings()
    quant = {id(p) for m in model.modules() if type(m) is torch.nn.Linear and m is not head
             for p in m.parameters(recurse=False) if p.dim() == 2}
    n4 = sum(p.numel() for p in model.parameters() if id(p) in quant)
    total = sum(p.numel() for p in model.parameters())
    experts = sum(p.numel() for p in model.parameters() if p.dim() == 3)  # MoE experts stacked as one tensor
    e4 = experts if experts_4bit else 0
    return {"params": total, "params_4bit": n4, "params_experts_3d": experts, "params_experts_4bit": e4,
            "params_fp32": total - n4 - e4, "gib_4bit": (n4 + e4) * NF4_BYTES / GIB,
            "gib_fp32": (total - n4 - e4) * 4 / GIB}


def lora_modules(peft_model) -> list[str]:
    return sorted(n.removeprefix("base_model.model.") for n, m in peft_model.named_modules()
                  if hasattr(m, "lora_A") and len(getattr(m, "lora_A", {})))


def activations_gib(cfg, arch, modules_per_layer: int) -> dict:
    h, layers = arch.hidden_size, arch.num_hidden_layers
    kv = arch.num_key_value_heads * (getattr(arch, "head_dim", None) or h // arch.num_attention_heads)
    experts = getattr(arch, "num_experts_per_tok", 1) or 1
    tokens = cfg.per_device_train_batch_size * cfg.max_length
    kept = layers * tokens * h * 2 if cfg.gradient_checkpointing else 0
    per_layer = tokens * 2 * (7 * h + 2 * kv + experts * (4 * arch.intermediate_size + h))
    dropout = tokens * 2 * h * modules_per_layer if cfg.lora_dropout > 0 else 0
    live = per_layer + dropout if cfg.gradient_checkpointing else layers * (per_layer + dropout)
    return {"tokens_per_micro_batch": tokens, "checkpoints_gib": kept / GIB, "one_layer_gib": live / GIB}


def dry_run(config_path, overrides: dict | None = None) -> dict:
    from training import config as tconfig
    from training.backends import adapter_kind, count_params

    cfg = tconfig.resolve(config_path, overrides)
    if not (cfg.use_peft and cfg.load_in_4bit):  # the estimate's weight terms are those of a 4-bit base
        raise UserError(f"{config_path}: the dry run estimates QLoRA configs (use_peft: true, load_in_4bit: true); "
                        f"this one trains {adapter_kind(cfg)}")
    arch, source, pq = arch_config(cfg.model_name_or_path)
    if pq and pq["loader"] != cfg.backend:
        raise UserError(f"{config_path}: {cfg.model_name_or_path} is pre-quantised for the {pq['loader']} loader "
                        f"({source}); set backend: {pq['loader']} (the estimate models the declared path only)")
    model, lc, w = meta_peft_model(cfg, arch, bool(pq and pq["experts"]))
    mods = lora_modules(model)
    trainable, _ = count_params(model)
    layers = sorted({int(n.split(".layers.")[1].split(".")[0]) for n in mods if ".layers." in n})
    act = activations_gib(cfg, arch, len(mods) // max(len(layers), 1))
    parts = {"weights_4bit": w["gib_4bit"], "weights_fp32": w["gib_fp32"], "lora_adamw": trainable * 16 / GIB,
             "activation_checkpoints": act["checkpoints_gib"], "activations_one_layer": act["one_layer_gib"],
             "cuda_overhead": OVERHEAD_GIB}
    total = sum(parts.values())
    # what the seed loaded instead (Unsloth's pre-quantised checkpoint): the stacked experts in 4-bit too
    e = w["params_experts_3d"] - w["params_experts_4bit"]
    experts_4bit = total - e * 4 / GIB + e * NF4_BYTES / GIB if e else None
    return {"config": str(config_path), "model": cfg.model_name_or_path, "architecture": type(model.base_model.model).__name__,
            "arch_source": source, "prequantised": pq, "method": f"{cfg.method} {adapter_kind(cfg)}", "backend": cfg.backend,
            "lora": {"r": lc.r, "alpha": lc.lora_alpha, "dropout": lc.lora_dropout,
                     "target_modules": sorted(lc.target_modules) if not isinstance(lc.target_modules, str)
                     else lc.target_modules, "layers": layers, "modules": mods, "trainable_params": trainable},
            "params": w, "batch": {"batch_size": cfg.per_device_train_batch_size, "max_length": cfg.max_length,
                                   "grad_accum": cfg.gradient_accumulation_steps, **act},
            "vram_gib": {k: round(v, 2) for k, v in parts.items()} | {"total": round(total, 2)},
            "rtx_3090": {"gib": RTX_3090_GIB, "fits": total <= RTX_3090_GIB},
            "if_experts_4bit": None if experts_4bit is None else
            {"total": round(experts_4bit, 2), "fits": experts_4bit <= RTX_3090_GIB},
            "seed_figure": SEED_FIGURES.get(cfg.model_name_or_path, "none published")}


def report(r: dict) -> str:
    """The dry run as text: what a user reads before renting a card."""
    v, lo = r["vram_gib"], r["lora"]
    lines = [f"{r['config']}: {r['model']} ({r['architecture']}, architecture from {r['arch_source']}), "
             f"{r['method']} via {r['backend']}",
             f"  parameters {r['params']['params'] / 1e9:.2f} B: {r['params']['params_4bit'] / 1e9:.2f} B in 4-bit "
             f"linear layers, " + (f"{r['params']['params_experts_4bit'] / 1e9:.2f} B MoE experts in 4-bit as the "
                                   "checkpoint stores them, " if r["params"]["params_experts_4bit"] else "")
             + f"{r['params']['params_fp32'] / 1e9:.2f} B kept in float32",
             f"  LoRA r={lo['r']} alpha={lo['alpha']:g} dropout={lo['dropout']:g} on {lo['target_modules']} in layers "
             f"{_ranges(lo['layers'])}: {len(lo['modules'])} modules, {lo['trainable_params'] / 1e6:.2f} M trainable",
             "  modules: " + ", ".join(lo["modules"][:8]) + (f", ... (+{len(lo['modules']) - 8})" if len(lo["modules"]) > 8 else ""),
             f"  micro-batch {r['batch']['batch_size']} x {r['batch']['max_length']} tokens "
             f"(x{r['batch']['grad_accum']} accumulation)",
             "  peak VRAM estimate (GiB): " + ", ".join(f"{k} {x:.2f}" for k, x in v.items() if k != "total"),
             f"  total {v['total']:.2f} GiB vs RTX 3090 {r['rtx_3090']['gib']:g} GiB: "
             + ("fits" if r["rtx_3090"]["fits"] else "DOES NOT FIT"),
             f"  seed's published figure: {r['seed_figure']}"]
    if r["if_experts_4bit"]:
        x = r["if_experts_4bit"]
        fp32_experts = r["params"]["params_experts_3d"] - r["params"]["params_experts_4bit"]
        lines.insert(-1, f"  {fp32_experts / 1e9:.2f} B of the float32 parameters are MoE experts "
                         "stored as stacked tensors, which bitsandbytes does not quantise (it replaces nn.Linear "
                         f"only); with them in 4-bit too (a pre-quantised checkpoint, as the seed used; see training/archs/): "
                         f"{x['total']:.2f} GiB, " + ("fits" if x["fits"] else "DOES NOT FIT"))
    return "\n".join(lines)


def _ranges(xs: list[int]) -> str:
    return f"{xs[0]}-{xs[-1]}" if xs and xs == list(range(xs[0], xs[-1] + 1)) else ",".join(map(str, xs))
