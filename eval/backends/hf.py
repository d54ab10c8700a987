"""Batched generation with transformers on CPU (or a GPU when there is one).

What it does: left-padded batches of several prompts, n samples per prompt (eval.backends.decode: one
prefill per prompt whose KV cache the n samples share, eval.backends.shared_prefix; finished rows
dropped), stop at EOS, at the domain's stop strings or once the domain says the answer is complete
(answer_done, finish "answered"), one seeded generator per sample, torch.inference_mode, bf16 weights where this machine computes
bf16 faster than fp32 (core.precision decides `auto` by measuring; --precision forces one). A PEFT adapter is merged into the base weights at the
requested scale (peft.helpers.rescale_adapter_scale), so generation runs at base-model speed.

Continuous batching (eval.backends.decode): batch_size prompts x n rows are in flight, and a row that
finishes hands its slot to the next waiting prompt of the chunk, so the batch stays full.
"""
from __future__ import annotations

import os

from core import models
from core.errors import UserError
from eval.backends import cut_at_stop, repeating
from eval.checkpoints import check_adapter, is_full
from eval.settings import check_scale


def load_merged(model_spec, adapter=None, scale: float = 1.0, dtype: str = "float32", base=None):
    """(ref, tokenizer, model, adapter_info): base model with `adapter` merged at `scale`.

    `base` = (ref, tokenizer, model) already loaded: the adapter is merged into a copy, so gate D loads
    the base weights once for all combinations. A fully fine-tuned checkpoint (eval.checkpoints.is_full) is
    loaded whole, with the base model's tokenizer, at scale 1.0 only: there is no adapter to rescale.
    """
    import copy

    scale = check_scale(scale)
    if adapter and is_full(adapter):
        ref = models.resolve(model_spec)
        info = check_adapter(adapter, ref)
        if scale != 1.0:
            raise UserError(f"{adapter} is a fully fine-tuned model, not an adapter: it has no scale to set "
                            f"(asked {scale:g}); evaluate it at scale 1.0")
        return ref, models.load_tokenizer(ref), models.load_model(models.resolve(str(adapter)), dtype=dtype), info
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
    shared_prefix = True  # the n samples of a prompt share its KV cache (False: n copies; the bench compares)

    def __init__(self, settings, model_spec, adapter=None, scale=1.0, stop_strings=(), loaded=None):
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        self.settings = settings
        self.stop_strings = [s for s in stop_strings if s]
        # adapters merge in float32; the merged weights are then cast once (see _dtype)
        self.ref, self.tokenizer, self.model, self.adapter_info = load_merged(
            model_spec, adapter, scale, "float32", base=loaded)
        self.device = next(self.model.parameters()).device
        dtype = self._dtype()
        if dtype != self.model.dtype:
            import copy

            if loaded is not None and not adapter:  # never cast the shared base model in place
                self.model = copy.deepcopy(self.model)
            self.model = self.model.to(dtype)
        self.eos_ids = self._eos_ids()

    def _eos_ids(self) -> list[int]:
        ids = self.model.generation_config.eos_token_id
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        if self.tokenizer.eos_token_id is not None:
            ids.append(self.tokenizer.eos_token_id)
        if self.tokenizer.pad_token_id is not None:
            # a pad token such as <|endoftext|> ends a document too; a model never emits a mere <pad>
            ids.append(self.tokenizer.pad_token_id)
        return sorted(set(ids))

    def _dtype(self):
        """bf16 weights where bf16 is chosen (core.precision: `auto` measures this machine), else fp32.
        Not autocast: under inference_mode autocast re-casts every weight at every step (its cast cache
        only keeps tensors that require grad), ~25% of decode time."""
        import torch

        from core.precision import resolve

        chosen = self.settings.precision
        if chosen == "auto":
            chosen = resolve("auto")["precision"]
        return torch.bfloat16 if chosen == "bf16" else torch.float32

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _stop_check(self, stop_strings=None, answered=None, n: int = 1):
        """A check(row, tokens) -> finish reason or None for decode(): "stop" when the row's text ends
        in a stop string, "answered" when `answered[row // n]` (a domain's answer_done predicate, or None)
        says its answer is complete. None when there is nothing to check."""
        stops = self.stop_strings if stop_strings is None else stop_strings
        answered = list(answered or [])
        loops = getattr(self.settings, "stop_on_repetition", False)
        if not stops and not any(answered) and not loops:
            return None
        tail = max((len(x) for x in stops), default=0) + 2  # tokens: each decodes to >= 1 char but specials
        decode = self.tokenizer.decode

        def check(row, tokens):
            if stops and any(x in decode(tokens[-tail:], skip_special_tokens=True) for x in stops):
                return "stop"
            done = answered[row // n] if answered else None
            if done is not None and done(decode(tokens, skip_special_tokens=True)):
                return "answered"
            # a loop shows at a line end: the full text is decoded only when the last token ends a line
            if loops and "\n" in decode(tokens[-1:]) and repeating(decode(tokens, skip_special_tokens=True)):
                return "repetition"
            return None
        return check

    def generate(self, prompts: list[str], seeds: list[int], on_prompt_done=None, answered=None) -> list[list[dict]]:
        """n samples for each prompt; `seeds[i]` is prompt i's seed, sample s draws with sample_seed(., s).
        `answered[i]`: prompt i's answer_done predicate (domains.base) or None: a sample stops once it holds.
        At most prompts_in_flight() prompts (x n rows) are in flight; the others join as rows finish.
        `on_prompt_done(i)` is called when prompt i's n samples are all finished (progress)."""
        import torch

        from eval.backends.decode import decode

        s, tok = self.settings, self.tokenizer
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        row_seeds = [sample_seed(sd, j) for sd in seeds for j in range(s.n)]
        with torch.inference_mode():
            toks, finish = decode(self.model, enc["input_ids"], enc["attention_mask"], s.n, s.max_new_tokens,
                                  s.temperature, s.top_p, self.eos_ids, row_seeds, self._stop_check(None, answered, s.n),
                                  max_rows=s.prompts_in_flight() * s.n, on_prompt_done=on_prompt_done,
                                  shared=self.shared_prefix)
        rows = [self._result(t, f) for t, f in zip(toks, finish)]
        return [rows[i * s.n:(i + 1) * s.n] for i in range(len(prompts))]

    def _result(self, ids: list[int], finish: str) -> dict:
        body = ids[:-1] if finish == "eos" else ids
        text, stopped = cut_at_stop(self.tokenizer.decode(body, skip_special_tokens=True), self.stop_strings)
        return {"completion": text, "n_tokens": len(ids), "finish": "stop" if stopped else finish}


def sample_seed(prompt_seed: int, sample: int) -> int:
    return (int(prompt_seed) * 1_000_003 + sample) % (2 ** 62)
