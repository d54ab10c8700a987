"""Domain items -> TRL conversational prompt/completion datasets, and the label checks on them.

`build_dataset` uses only the domain contract (load, messages, reference, chat_kwargs): the prompt is the
domain's messages, the completion one assistant turn holding the reference. TRL then renders both with the
tokenizer's chat template and masks the prompt, so the loss falls on the completion only.

`label_stats` reads the tokenized dataset TRL prepared and reports the share of tokens that carry a label
and how many assistant-closing EOS tokens (`<|im_end|>`) carry one. `require_labels` turns a zero share (or
an unlabelled EOS: the model would never learn to stop) into a loud `UserError`. What it does not check:
whether the reference is a good answer; the domain's validators do that (`check-references`).
"""
from __future__ import annotations

import json
from pathlib import Path

from core.errors import DataError, UserError
from core.files import sha256_file

# chat_kwargs the TRL tokenizer step understands as dataset columns
_TOOLS = "tools"


def _row(domain, item: dict, path: Path) -> dict:
    prompt = domain.messages(item)
    reference = domain.reference(item)
    if not isinstance(reference, str) or not reference.strip():
        raise DataError(path, None, f"item {item.get('id')!r}: empty reference; nothing to train on")
    if not prompt or prompt[-1].get("role") != "user":
        raise DataError(path, None, f"item {item.get('id')!r}: messages must end with a user turn")
    row = {"prompt": prompt, "completion": [{"role": "assistant", "content": reference}]}
    kwargs = dict(domain.chat_kwargs(item) or {})
    # Tools vary in shape between items; a JSON string keeps the Arrow schema uniform (TRL decodes it).
    row[_TOOLS] = json.dumps(kwargs.pop(_TOOLS)) if kwargs.get(_TOOLS) is not None else None
    if kwargs:
        raise UserError(f"domain {domain.name!r}: chat_kwargs {sorted(kwargs)} are not supported in training "
                        "(only 'tools'); extend training/data.py")
    return row


def build_dataset(domain, path, max_items: int = 0):
    """(datasets.Dataset, info) for the domain's training file. info = {path, sha256, items}."""
    from datasets import Dataset

    path = Path(path)
    items = domain.load(path)
    if hasattr(domain, "select_training"):  # optional hook: a domain's training mix (e.g. a specialist's)
        items = domain.select_training(items)
    if max_items:
        items = items[:max_items]
    if not items:
        raise DataError(path, None, "no training items")
    rows = [_row(domain, it, path) for it in items]
    if all(r[_TOOLS] is None for r in rows):
        for r in rows:
            del r[_TOOLS]
    elif any(r[_TOOLS] is None for r in rows):
        for r in rows:  # an item without tools gets an empty list, not null, so the template sees a list
            r[_TOOLS] = r[_TOOLS] or "[]"
    info = {"path": str(path), "sha256": sha256_file(path), "items": len(rows)}
    return Dataset.from_list(rows), info


def label_stats(dataset, eos_id: int) -> dict:
    """Token counts over a TRL-prepared dataset (columns input_ids and labels, packed or not)."""
    total = labelled = eos_total = eos_labelled = 0
    for ids, labels in zip(dataset["input_ids"], dataset["labels"]):
        total += len(ids)
        for tok, lab in zip(ids, labels):
            if lab != -100:
                labelled += 1
            if tok == eos_id:
                eos_total += 1
                eos_labelled += lab != -100
    return {"tokens": total, "label_tokens": labelled, "label_token_share": labelled / total if total else 0.0,
            "eos_tokens": eos_total, "eos_labelled": eos_labelled, "sequences": len(dataset)}


def require_labels(stats: dict, examples: int) -> None:
    if stats["label_tokens"] == 0:
        raise UserError("no token carries a label (label share 0): the completion is empty or truncated away; "
                        "check the domain's reference() and raise max_length")
    if stats["eos_labelled"] == 0:
        raise UserError("the assistant turn's closing EOS never carries a label, so the model would not learn "
                        "to stop; check the tokenizer's pad/EOS tokens and the chat template")
    if stats["eos_labelled"] < examples // 2:
        raise UserError(f"only {stats['eos_labelled']} of {examples} items keep a labelled closing EOS: most "
                        "completions are truncated; raise max_length")
