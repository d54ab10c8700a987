"""The adapter merged into the base weights (PEFT's merge_and_unload at a scale), saved as a plain
transformers folder, and a check that the merged model computes what base + adapter computes.

The check runs the merged folder as saved on disk and the unmerged PeftModel (adapter applied on the fly
at `scale`) on a few chat prompts in float32, and the unmerged model again in float64: merging only
reorders and rounds float operations, so the merged logits must lie within a few times the distance
float32 rounding puts between the float32 and float64 runs, and each position's next-token argmax must
agree except at near ties (judge()). Not checked: other prompts, or lower precisions (the GGUF files have
their own check in gguf.py).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from core.errors import UserError
from core.files import shipped

ROUNDING_FACTOR = 4.0  # merged vs unmerged float32: at most this many times unmerged float32 vs float64
FLOOR_ULPS = 16        # ... and never below this many float32 steps of the largest |logit|


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
    """The merged folder's logits against base + adapter (unmerged, at `scale`), both float32, on `prompts`;
    the same unmerged model in float64 measures what float32 rounding alone moves (see judge())."""
    import torch
    from transformers import AutoModelForCausalLM

    from core import models

    _, tok, base = models.load(model_spec)
    ids = [tok(p, return_tensors="pt", add_special_tokens=False)["input_ids"][:, -max_tokens:] for p in prompts]
    with torch.inference_mode():
        merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()
        got = [merged(input_ids=x).logits[0] for x in ids]
        del merged
        ref = _unmerged(base, adapter)
        want = [_logits(ref, x, adapter, scale) for x in ids]
        _float64_experts(ref).double()
        exact = [_logits(ref, x, adapter, scale) for x in ids]
    return judge(got, want, exact)


def _float64_experts(model):
    """MoE models (GPT-OSS) run their experts through torch's grouped_mm, which has no float64 kernel: the
    float64 reference takes transformers' eager experts loop instead (same arithmetic, one expert at a time)."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    if getattr(inner.config, "_experts_implementation", "eager") != "eager":
        inner.set_experts_implementation("eager")
    return model


def _unmerged(base, adapter):
    from peft import PeftModel

    return PeftModel.from_pretrained(base, str(adapter)).eval() if adapter else base.eval()


def _logits(model, ids, adapter, scale):
    from peft.helpers import rescale_adapter_scale

    if not adapter:
        return model(input_ids=ids).logits[0]
    with rescale_adapter_scale(model, scale):
        return model(input_ids=ids).logits[0]


def judge(got, want, exact) -> dict:
    """Pass when the merged logits (`got`, float32) are as close to base + adapter in float32 (`want`) as
    float32 rounding explains, and every next token argmax agrees where it is not a tie.

    Why not a fixed tolerance: merging rounds W + s*B*A to float32 and the forward pass rounds again; both
    grow with the size of the weights and logits (an adapter trained 4x longer moved a fixed 1e-4 past its
    limit). How far `want` lies from the float64 computation of the same model (`exact`) is float32
    rounding alone; a correct merge lands within ROUNDING_FACTOR of that, a wrong one (another scale, a
    layer left out) lands orders of magnitude further. FLOOR_ULPS float32 steps of the largest logit keep
    the tolerance above zero when rounding happens to cancel."""
    import torch

    diff = max(float((g - w).abs().max()) for g, w in zip(got, want))
    rounding = max(float((w.double() - e).abs().max()) for w, e in zip(want, exact))
    size = max(float(e.abs().max()) for e in exact)
    tol = max(ROUNDING_FACTOR * rounding, FLOOR_ULPS * torch.finfo(torch.float32).eps * size)
    flips = ties = positions = 0
    for g, e in zip(got, exact):
        top = e.topk(2, dim=-1).values
        differ = g.argmax(-1) != e.argmax(-1)
        near = (top[:, 0] - top[:, 1]) <= 2 * tol
        flips += int((differ & ~near).sum())
        ties += int((differ & near).sum())
        positions += len(differ)
    return {"prompts": len(got), "max_abs_diff": diff, "rounding": rounding, "max_abs_logit": size,
            "tolerance": tol, "argmax_positions": positions, "argmax_flips": flips, "argmax_near_ties": ties,
            "passed": diff <= tol and flips == 0}
