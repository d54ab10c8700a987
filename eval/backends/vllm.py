"""vLLM backend for a GPU machine: same prompts, same generations format as the hf backend.

What it does: one request per (prompt, n) with SamplingParams(n, temperature, top_p, max_tokens, stop,
seed). vLLM cannot rescale a LoRA at request time, so an adapter is first merged at the requested scale
into a temporary full model (hf backend code, on CPU) and vLLM serves that.

What it does not do: run here. vllm is not installed on CPU machines; asking for this backend without it
is a clear error. `build_requests` is plain Python and is tested without a GPU.
"""
from __future__ import annotations

import importlib.util
import shutil
import tempfile

from core import models
from core.errors import UserError
from eval.backends import cut_at_stop


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

    def generate(self, prompts: list[str], seeds: list[int]) -> list[list[dict]]:  # pragma: no cover - GPU
        from vllm import SamplingParams

        reqs = build_requests(prompts, self.settings, seeds, self.stop_strings)
        outs = self.llm.generate([r["prompt"] for r in reqs], [SamplingParams(**r["sampling"]) for r in reqs])
        result = []
        for o in outs:
            rows = []
            for c in o.outputs:
                text, _ = cut_at_stop(c.text, self.stop_strings)
                finish = {"stop": "eos", "length": "length"}.get(c.finish_reason, c.finish_reason)
                if c.stop_reason is not None and isinstance(c.stop_reason, str):
                    finish = "stop"
                rows.append({"completion": text, "n_tokens": len(c.token_ids), "finish": finish})
            result.append(rows)
        return result

    def __del__(self):
        if getattr(self, "_tmp", None):
            shutil.rmtree(self._tmp, ignore_errors=True)
