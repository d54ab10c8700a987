"""Batched generation with transformers on CPU (or a GPU when there is one).

What it does: left-padded batches of several prompts, `num_return_sequences` = n per prompt, KV cache,
stop at EOS or the domain's stop strings (transformers' StopStringCriteria), sampling seeded per batch,
torch.inference_mode and bf16 autocast on CPU (faster here: generation is bound by per-step overhead and
bf16 matmuls are ~4x faster on this CPU). A PEFT adapter is merged into the base weights at the
requested scale (peft.helpers.rescale_adapter_scale), so generation runs at base-model speed.

What it does not do: remove finished rows from the batch (they keep riding along as padding until the
whole batch stops); this is why prompts are sorted by length into batches.
"""
from __future__ import annotations

import contextlib
import os

from core import models
from core.errors import UserError
from eval.backends import cut_at_stop
from eval.checkpoints import check_adapter
from eval.settings import check_scale


def load_merged(model_spec, adapter=None, scale: float = 1.0, dtype: str = "float32", base=None):
    """(ref, tokenizer, model, adapter_info): base model with `adapter` merged at `scale`.

    `base` = (ref, tokenizer, model) already loaded: the adapter is merged into a copy, so gate D loads
    the base weights once for all combinations.
    """
    import copy

    scale = check_scale(scale)
    if base is None:
        ref = models.resolve(model_spec)
        info = check_adapter(adapter, ref) if adapter else None  # refuse before the slow load
        ref, tok, model = models.load(model_spec, dtype=dtype)
    else:
        ref, tok, model = base
        info = check_adapter(adapter, ref) if adapter else None
        if adapter:
            model = copy.deepcopy(model)
    if adapter:
        from peft import PeftModel
        from peft.helpers import rescale_adapter_scale

        peft_model = PeftModel.from_pretrained(model, str(adapter))
        with rescale_adapter_scale(peft_model, scale):
            model = peft_model.merge_and_unload()
        model.eval()
    return ref, tok, model, info


class HFBackend:
    name = "hf"

    def __init__(self, settings, model_spec, adapter=None, scale=1.0, stop_strings=(), loaded=None):
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        self.settings = settings
        self.stop_strings = [s for s in stop_strings if s]
        dtype = "bfloat16" if settings.precision == "bf16" else "float32"
        self.ref, self.tokenizer, self.model, self.adapter_info = load_merged(
            model_spec, adapter, scale, dtype, base=loaded)
        self.device = next(self.model.parameters()).device
        self.eos_ids = self._eos_ids()
        self._stop = None
        if self.stop_strings:
            from transformers import StoppingCriteriaList, StopStringCriteria

            # built once: its vocabulary pre-computation costs ~0.35 s, per generate call if left to HF
            self._stop = StoppingCriteriaList([StopStringCriteria(self.tokenizer, self.stop_strings)])

    def _eos_ids(self) -> list[int]:
        ids = self.model.generation_config.eos_token_id
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        if self.tokenizer.eos_token_id is not None:
            ids.append(self.tokenizer.eos_token_id)
        if self.tokenizer.pad_token_id is not None:
            # a pad token such as <|endoftext|> ends a document too; a model never emits a mere <pad>
            ids.append(self.tokenizer.pad_token_id)
        return sorted(set(ids))

    def _autocast(self):
        import torch

        if self.settings.precision == "auto" and self.device.type == "cpu":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def generate(self, prompts: list[str], seed: int) -> list[list[dict]]:
        import torch

        s = self.settings
        tok = self.tokenizer
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        kw = dict(max_new_tokens=s.max_new_tokens, num_return_sequences=s.n, use_cache=True,
                  pad_token_id=tok.pad_token_id, eos_token_id=self.eos_ids)
        if s.temperature > 0:
            kw.update(do_sample=True, temperature=s.temperature, top_p=s.top_p)
        else:
            kw.update(do_sample=False, temperature=None, top_p=None)
        if self._stop is not None:
            kw["stopping_criteria"] = self._stop
        torch.manual_seed(seed)
        with torch.inference_mode(), self._autocast():
            out = self.model.generate(**enc, **kw)
        new = out[:, enc["input_ids"].shape[1]:].tolist()
        rows = [self._decode(r) for r in new]
        return [rows[i * s.n:(i + 1) * s.n] for i in range(len(prompts))]

    def _decode(self, ids: list[int]) -> dict:
        """Count only the tokens this sample really generated (up to EOS, or until padding began)."""
        pad = self.tokenizer.pad_token_id
        end = next((i for i, t in enumerate(ids) if t in self.eos_ids), None)
        n = len(ids) if end is None else end + 1
        text, stopped = cut_at_stop(self.tokenizer.decode(ids[:n], skip_special_tokens=True),
                                    self.stop_strings)
        if stopped:
            # after a stop string transformers pads the row; that pad was never generated
            finish, n = "stop", (n - 1 if end is not None and ids[end] == pad else n)
        else:
            finish = "length" if end is None else "eos"
        return {"completion": text, "n_tokens": n, "finish": finish}


def require_torch():
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise UserError("the hf backend needs torch: run `make env`") from exc
