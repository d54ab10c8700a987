"""vLLM backend for a GPU machine: same prompts, same generations format as the hf backend.

What it does: one request per (prompt, n) with SamplingParams(n, temperature, top_p, max_tokens, stop,
seed). vLLM cannot rescale a LoRA at request time, so an adapter is first merged at the requested scale
into a temporary full model (hf backend code, on CPU) and vLLM serves that.

Stopping rules the hf backend applies while it decodes (a sample ends once its answer is closed, or once
it repeats a short block of lines) are applied to each finished vLLM sample afterwards (`trim_finished`):
the GPU still generates the tail, but the text scored and its `finish` are what hf would have kept.

What it does not do: run here. vllm is not installed on CPU machines; asking for this backend without it
is a clear error. `build_requests` is plain Python and is tested without a GPU.
"""
from __future__ import annotations

import importlib.util
import shutil
import tempfile

from core import models
from core.errors import UserError
from eval.backends import cut_at_stop, trim_finished


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def build_requests(prompts: list[str], settings, seeds: list[int], stop_strings=()) -> list[dict]:
    """One request per prompt: the SamplingParams keyword arguments and the prompt text."""
    stop = [s for s in stop_strings if s] or None
    return [{"prompt": p,
             "sampling": {"n": settings.n, "temperature": settings.temperature,
                          "top_p": settings.top_p if settings.temperature > 0 else 1.0,
                          "max_tokens": settings.max_new_tokens, "stop": stop,
                          # a per-request seed keeps samples independent of batch composition
                          "seed": int(sd) % (2 ** 31)}}
            for p, sd in zip(prompts, seeds)]


def finished_row(text, finish_reason, stop_reason, n_tokens, stop_strings, answered=None, loops=False) -> dict:
    """One vLLM output as a generations row: cut at a stop string, then the hf backend's answered and
    repetition rules (trim_finished). n_tokens stays what vLLM generated (what it cost)."""
    text, _ = cut_at_stop(text, stop_strings)
    finish = {"stop": "eos", "length": "length"}.get(finish_reason, finish_reason)
    if stop_reason is not None and isinstance(stop_reason, str):
        finish = "stop"
    text, why = trim_finished(text, answered, loops)
    return {"completion": text, "n_tokens": n_tokens, "finish": why or finish}


class VLLMBackend:
    name = "vllm"

    def __init__(self, settings, model_spec, adapter=None, scale=1.0, stop_strings=()):
        if not vllm_available():
            raise UserError("--backend vllm: the vllm package is not installed (it needs a CUDA GPU; "
                            "`pip install vllm` on a GPU machine), or use --backend hf")
        from vllm import LLM  # pragma: no cover - needs a GPU

        self.settings, self.stop_strings = settings, list(stop_strings)
        self._tmp = None
        self.ref = models.resolve(model_spec)
        self.adapter_info = None
        path = self.ref.path
        if adapter:
            from eval.backends.hf import load_merged

            self.ref, tok, model, self.adapter_info = load_merged(model_spec, adapter, scale)
            self._tmp = tempfile.mkdtemp(prefix="wb-merged-")
            model.save_pretrained(self._tmp)
            tok.save_pretrained(self._tmp)
            path = self._tmp
        self.llm = LLM(model=path, seed=settings.seed)
        self.tokenizer = self.llm.get_tokenizer()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def generate(self, prompts: list[str], seeds: list[int], answered=None) -> list[list[dict]]:  # pragma: no cover - GPU
        from vllm import SamplingParams

        reqs = build_requests(prompts, self.settings, seeds, self.stop_strings)
        outs = self.llm.generate([r["prompt"] for r in reqs], [SamplingParams(**r["sampling"]) for r in reqs])
        return [[finished_row(c.text, c.finish_reason, c.stop_reason, len(c.token_ids), self.stop_strings,
                              answered[i] if answered else None, self.settings.stop_on_repetition)
                 for c in o.outputs] for i, o in enumerate(outs)]

    def __del__(self):
        if getattr(self, "_tmp", None):
            shutil.rmtree(self._tmp, ignore_errors=True)
