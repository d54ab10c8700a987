"""Helpers shared by the eval tests: the toy domain registration and tiny PEFT checkpoints."""
from __future__ import annotations

import json
from pathlib import Path

FIX = Path(__file__).resolve().parent / "fixtures" / "eval"


def register_toy(monkeypatch):
    import domains

    monkeypatch.setitem(domains.REGISTRY, "toy", "tests.toy_domain:ToyDomain")
    monkeypatch.setitem(domains.REGISTRY, "toy_notool", "tests.toy_domain:NoToolDomain")
    monkeypatch.setattr(domains, "_cache", {})
    return domains.get("toy")


def _workbench(out: Path, base_dir, step: int, base_name: str | None = None, **extra) -> None:
    name = base_name or str(Path(base_dir).resolve())
    (out / "workbench.json").write_text(json.dumps({
        "base_model": {"spec": base_name or str(base_dir), "kind": "local", "path": name, "name": name},
        "domain": {"name": "toy", "version": "1"}, "step": step,
        "train_data": {"path": str(FIX / "toy_train.jsonl"), "sha256": "x"}, **extra}))


def make_full_checkpoint(base_dir, out_dir, step: int, seed: int = 0) -> Path:
    """A fully fine-tuned checkpoint as a use_peft false run writes it: the whole tiny model, every weight
    nudged so it differs from the base, config.json + model.safetensors + workbench.json (adapter 'full')."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base_dir)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    out = Path(out_dir) / f"checkpoint-{step}"
    model.save_pretrained(out)
    _workbench(out, base_dir, step, adapter="full")
    return out


def make_checkpoint(base_dir, out_dir, step: int, seed: int = 0, base_name: str | None = None,
                    weights: bool = True) -> Path:
    """A PEFT LoRA checkpoint on the tiny model, with random (non-zero) B so the adapter matters."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base_dir)
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(model, cfg)
    out = Path(out_dir) / f"checkpoint-{step}"
    peft_model.save_pretrained(out)
    _workbench(out, base_dir, step, base_name)
    if not weights:
        (out / "adapter_model.safetensors").unlink()
    return out
