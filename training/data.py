"""Domain items -> TRL conversational prompt/completion datasets, and the label checks on them.

`build_dataset` uses only the domain contract (load, messages, reference, chat_kwargs): the prompt is the
domain's messages, the completion one assistant turn holding the reference. TRL then renders both with the
tokenizer's chat template and masks the prompt, so the loss falls on the completion only.

`label_stats` reads the tokenized dataset TRL prepared and reports the share of tokens that carry a label
and how many assistant-closing EOS tokens (`<|im_end|>`) carry one. `require_labels` turns a zero share (or
an unlabelled EOS: the model would never learn to stop) into a loud `UserError`. What it does not check:
whether the reference is a good answer; the domain's validators do that (`check-references`). Items the
loader marked as broken gold (domains/loading.py: a reference that does not run, a call to a missing
tool) are dropped with a warning naming the count, unless `keep_broken_gold`; the data record says how
many items were read and which were left out, and why.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from core.errors import DataError, UserError
from core.files import sha256_file
from domains.loading import split_defective

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


def build_dataset(domain, path, max_items: int = 0, keep_broken_gold: bool = False):
    """(datasets.Dataset, info) for the domain's training file.
    info = {path, sha256, items, items_read, left_out, keep_broken_gold}."""
    from datasets import Dataset

    path = Path(path)
    items = domain.load(path)
    read = len(items)
    good, broken = split_defective(items)
    if broken:
        print(f"warning: {path}: {len(broken)} of {read} items have a reference that does not pass its own "
              f"check (first: line {broken[0].get('line')}: {broken[0]['gold_defect']['reason'][:120]}); "
              + ("training on them (--keep-broken-gold)" if keep_broken_gold else
                 "they are left out (--keep-broken-gold keeps them)"), file=sys.stderr, flush=True)
        items = items if keep_broken_gold else good
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
    left = [] if keep_broken_gold else [{"id": it["id"], "line": it.get("line"),
                                         "why": f"broken gold: {it['gold_defect']['reason'][:200]}"} for it in broken]
    info = {"path": str(path), "sha256": sha256_file(path), "items": len(rows), "items_read": read,
            "left_out": left, "keep_broken_gold": bool(keep_broken_gold), **domain.data_notes(items)}
    info.update(style_counts(items))
    return Dataset.from_list(rows), info


def style_counts(items, earlier: dict | None = None) -> dict:
    """{"styles": {register: items}}, the phrasing registers trained on (gate E marks an eval style missing here
    as held out), added to `earlier` counts (a run continuing another: the SFT run's); {} when none recorded."""
    styles = Counter((earlier or {}).get("styles") or {})
    styles.update(it.get("style") for it in items if it.get("style"))
    return {"styles": dict(sorted(styles.items()))} if styles else {}


def domain_for(cfg):
    """The run's domain, with its own training options applied (Domain.training_options)."""
    import domains

    domain = domains.get(cfg.domain)
    domain.configure_training(cfg.options)
    return domain


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
