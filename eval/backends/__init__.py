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


# A tail of lines that is one block of PERIOD lines repeated: (period, repeats needed). 8 identical lines,
# 5 alternating pairs, 4 repeats of 3 lines or 3 of 4: no reference answer of any shipped domain ends
# like that (tests/test_repetition.py checks every one), a sample stuck in a loop does within a few lines.
REPEAT_RULES = ((1, 8), (2, 5), (3, 4), (4, 3))


def repeating(text: str) -> bool:
    """True when the text's last complete non-blank lines are one short block repeated (REPEAT_RULES):
    a sample caught in a loop that would otherwise write the same field until its token limit."""
    lines = [ln.strip() for ln in text.split("\n")[:-1] if ln.strip()]
    for period, reps in REPEAT_RULES:
        span = period * reps
        if len(lines) < span:
            continue
        tail = lines[-span:]
        if all(tail[i] == tail[i % period] for i in range(span)) and len(set(tail[:period])) == period:
            return True
    return False


def trim_finished(text: str, answered=None, loops: bool = False) -> tuple[str, str | None]:
    """For a backend that cannot stop a sample while it decodes (vLLM): the text the hf backend would
    have kept, and its finish reason ("answered", "repetition", or None when neither rule fires). The
    rules are checked where hf checks them in effect: at each line end (and at the end of the text for
    `answered`), so the same completion is scored the same whichever backend wrote it."""
    ends = [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    for end in ends:
        head = text[:end]
        if answered is not None and answered(head):
            return head, "answered"
        if loops and head.endswith("\n") and repeating(head):
            return head, "repetition"
    return text, None
