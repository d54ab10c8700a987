"""The adapter merged into the base weights (PEFT's merge_and_unload at a scale), saved as a plain
transformers folder, and a check that the merged model computes what base + adapter computes.

The check runs the unmerged PeftModel (adapter applied on the fly at `scale`) and the merged folder as
saved on disk, on a few chat prompts, in float32, and compares every logit: merging only reorders float
operations, so the largest difference must stay under LOGITS_TOL. Not checked: other prompts, or lower
precisions (the GGUF files have their own check in gguf.py).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from core.errors import UserError
from core.files import shipped

LOGITS_TOL = 1e-4   # max |merged - (base + adapter)| over all logits, float32


def save_merged(model_spec, adapter, scale: float, out_dir) -> dict:
    """Write the merged model + tokenizer (with its chat template) to out_dir, atomically."""
    from eval.backends.hf import load_merged

    ref, tok, model, info = load_merged(model_spec, adapter, scale, "float32")
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _plain(model).save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        tmp.chmod(0o755)  # mkdtemp makes it private; an export is meant to be copied and shared
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"base_model": ref.describe(), "adapter": info, "scale": scale if adapter else None}


def _plain(model):
    from core.models import _plain_copy

    return _plain_copy(model) if getattr(model, "is_quantized", False) or \
        getattr(model.config, "quantization_config", None) else model


def chat_prompts(tokenizer, domain, n: int = 3) -> list[str]:
    """A few prompts in the domain's format (its eval items), for the checks."""
    items = domain.load(shipped(domain.default_eval))[:n] if domain.default_eval else []
    if not items:
        raise UserError(f"domain {domain.name!r} has no eval items to check the export with")
    return [tokenizer.apply_chat_template(domain.messages(it), add_generation_prompt=True, tokenize=False,
                                          **domain.chat_kwargs(it)) for it in items]


def logits_check(model_spec, adapter, scale, merged_dir, prompts, max_tokens: int = 256) -> dict:
    """Largest |logit difference| between base + adapter (unmerged, at `scale`) and the merged folder."""
    import torch
    from peft import PeftModel
    from peft.helpers import rescale_adapter_scale
    from transformers import AutoModelForCausalLM

    from core import models

    _, tok, base = models.load(model_spec)
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()
    worst = 0.0
    with torch.inference_mode():
        peft = PeftModel.from_pretrained(base, str(adapter)).eval() if adapter else base
        for p in prompts:
            ids = tok(p, return_tensors="pt", add_special_tokens=False)["input_ids"][:, -max_tokens:]
            if adapter:
                with rescale_adapter_scale(peft, scale):
                    want = peft(input_ids=ids).logits
            else:
                want = peft(input_ids=ids).logits
            got = merged(input_ids=ids).logits
            worst = max(worst, float((want - got).abs().max()))
    return {"prompts": len(prompts), "max_abs_diff": worst, "tolerance": LOGITS_TOL, "passed": worst <= LOGITS_TOL}
