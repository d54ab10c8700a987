"""Generation backends. Each takes chat-templated prompt texts and returns, per prompt, n samples as
{"completion", "n_tokens", "finish"} dicts, so the generations file has one format whatever the backend.
"""
from __future__ import annotations


def get_backend(settings, model_spec, adapter=None, scale=1.0, stop_strings=()):
    if settings.backend == "vllm":
        from eval.backends.vllm import VLLMBackend

        return VLLMBackend(settings, model_spec, adapter, scale, stop_strings)
    from eval.backends.hf import HFBackend

    return HFBackend(settings, model_spec, adapter, scale, stop_strings)


def cut_at_stop(text: str, stop_strings) -> tuple[str, bool]:
    """Text before the earliest stop string, and whether one was found."""
    cut = min((i for s in stop_strings if s and (i := text.find(s)) >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)
