"""Generation step: items -> generations JSONL (one record per item and sample), resumable.

What it does: builds each prompt with the tokenizer's chat template
(`apply_chat_template(domain.messages(item), add_generation_prompt=True, **domain.chat_kwargs(item))`),
sorts prompts by token length into fixed chunks (`--chunk`, continuous batching runs inside a chunk),
and appends each finished chunk to an AppendLog keyed by (id, sample). A sidecar `<name>.meta.json` records what the file was made with;
resuming under other settings, another model/adapter/scale or other items is an error.

Why resumed runs equal uninterrupted ones: each sample draws from its own generator seeded from the
global seed, the item id and the sample index, never from its position in the run; and chunks are cut
from the full, length-sorted item list (not from what is left), so even the floating-point batching
effects are the same. A chunk that was cut off half-written is regenerated whole; AppendLog drops the
samples it already holds.

What it does not check: the completions themselves (scoring does that).
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

from core.errors import UserError
from core.files import AppendLog, atomic_write_json, read_json

GEN_KEY = lambda r: (r["id"], r["sample"])  # noqa: E731


def meta_path(gen_path) -> Path:
    p = Path(gen_path)
    return p.with_name(p.stem + ".meta.json")


def item_seed(seed: int, item_id) -> int:
    """The seed of one item's samples: from the global seed and the item id only."""
    return int(hashlib.sha256(f"{seed}|{item_id}".encode()).hexdigest()[:12], 16)


def ids_digest(items) -> str:
    return hashlib.sha256("\n".join(str(it["id"]) for it in items).encode()).hexdigest()[:16]


def build_prompt(tokenizer, domain, item) -> str:
    return tokenizer.apply_chat_template(domain.messages(item), add_generation_prompt=True, tokenize=False,
                                         **domain.chat_kwargs(item))


def make_batches(prompts: dict, lengths: dict, chunk: int) -> list[list[str]]:
    """Item ids in fixed chunks of at most `chunk` (sizes balanced: 36 items in chunks of 64 = one chunk,
    89 = 45 + 44): longest prompts first, ties by id (deterministic)."""
    order = sorted(prompts, key=lambda i: (-lengths[i], str(i)))
    parts = max(1, -(-len(order) // chunk))
    size = -(-len(order) // parts)
    return [order[i:i + size] for i in range(0, len(order), size)]


def comparable(identity: dict) -> dict:
    """`identity` as resuming compares it. The embedded model is the same weights whether it was loaded
    from the packaged GGUF (a fresh clone's first load) or from the copy that load converts into
    .cache/models/ (every later load), so where it was loaded from is left out; any other model keeps its path."""
    model = identity.get("model")
    if isinstance(model, dict) and model.get("kind") == "embedded":
        return {**identity, "model": {k: v for k, v in model.items() if k not in ("path", "gguf_file")}}
    return identity


def check_header(gen_path, identity: dict):
    """Refuse to resume a generations file made with anything else than `identity`."""
    gen_path, meta = Path(gen_path), meta_path(gen_path)
    if not gen_path.exists() or gen_path.stat().st_size == 0:
        return
    if not meta.is_file():
        raise UserError(f"{gen_path} exists but has no {meta.name} header; cannot tell how it was made. "
                        "Delete it or choose another --out")
    old, identity = comparable(read_json(meta).get("identity", {})), comparable(identity)
    diff = sorted(k for k in set(old) | set(identity) if old.get(k) != identity.get(k))
    if diff:
        lines = [f"{k}: file has {old.get(k)!r}, this run has {identity.get(k)!r}" for k in diff]
        raise UserError(f"{gen_path} was made with other settings; resuming would mix samples:\n  "
                        + "\n  ".join(lines) + "\nDelete it or choose another --out to start over")


def pending(log: AppendLog, items, n: int) -> int:
    return sum(1 for it in items for s in range(n) if (it["id"], s) not in log.done)


def run_generation(domain, items, settings, identity: dict, gen_path, backend_factory,
                   progress: bool = True) -> dict:
    """Generate n samples for every item into `gen_path`; return throughput stats of this file.

    `backend_factory()` is called only when work is left, so a finished file never loads a model.
    """
    settings.check()
    if len({it["id"] for it in items}) != len(items):
        raise UserError("the eval items have duplicate ids; ids must be unique")
    identity = {**identity, "settings": settings.resume_key(), "items": ids_digest(items),
                "n_items": len(items)}
    check_header(gen_path, identity)
    meta = meta_path(gen_path)
    state = read_json(meta) if meta.is_file() else {"identity": identity,
                                                    "progress": {"seconds": 0.0, "tokens": 0}}
    state["identity"] = identity
    with AppendLog(gen_path, GEN_KEY) as log:
        if pending(log, items, settings.n):
            atomic_write_json(meta, state)
            _generate_missing(domain, items, settings, log, backend_factory(), state, meta, progress)
        records = list(log.records)
    return _stats(records, items, state)


def _generate_missing(domain, items, settings, log, backend, state, meta, progress):
    from tqdm import tqdm

    tok = backend.tokenizer
    by_id = {it["id"]: it for it in items}
    prompts = {i: build_prompt(tok, domain, it) for i, it in by_id.items()}
    lengths = {i: backend.count_tokens(p) for i, p in prompts.items()}
    n = settings.n
    done_items = sum(all((i, s) in log.done for s in range(n)) for i in by_id)
    bar = tqdm(total=len(items), initial=done_items, unit="item", disable=not progress, desc="generate",
               dynamic_ncols=True)
    run_tokens, run_seconds = 0, 0.0
    for ids in make_batches(prompts, lengths, settings.chunk):
        if all((i, s) in log.done for i in ids for s in range(n)):
            continue
        seeds = [item_seed(settings.seed, i) for i in ids]
        t0 = time.perf_counter()
        outs = backend.generate([prompts[i] for i in ids], seeds, **_progress_kw(backend, ids, log, n, bar),
                                **_answered_kw(domain, backend, settings, [by_id[i] for i in ids]))
        dt = time.perf_counter() - t0
        toks = 0
        for i, seed, samples in zip(ids, seeds, outs):
            for s, out in enumerate(samples):
                toks += out["n_tokens"]
                log.append({"id": i, "sample": s, "family": by_id[i].get("family", ""), "seed": seed,
                            "prompt_tokens": lengths[i], **out})
        run_tokens, run_seconds = run_tokens + toks, run_seconds + dt
        state["progress"]["seconds"] += dt
        state["progress"]["tokens"] += toks
        atomic_write_json(meta, state)  # after the records: a kill here only loses timing, not samples
        bar.n = sum(all((i, s) in log.done for s in range(n)) for i in by_id)
        bar.refresh()
        bar.set_postfix_str(f"{run_tokens / max(run_seconds, 1e-9):.0f} tok/s")
    bar.close()


def _progress_kw(backend, ids, log, n, bar) -> dict:
    """The bar moves as each prompt's samples end inside a chunk (for backends that can say so)."""
    import inspect

    if "on_prompt_done" not in inspect.signature(backend.generate).parameters:
        return {}
    fresh = [i for i in ids if not all((i, s) in log.done for s in range(n))]
    return {"on_prompt_done": lambda j: bar.update(1) if ids[j] in fresh else None}


def _answered_kw(domain, backend, settings, items) -> dict:
    """Each prompt's answer_done predicate, for backends that can stop a sample on it."""
    import inspect

    if not settings.stop_when_answered or "answered" not in inspect.signature(backend.generate).parameters:
        return {}
    checks = [domain.answer_done(it) for it in items]
    return {"answered": checks} if any(c is not None for c in checks) else {}


def _stats(records, items, state) -> dict:
    wanted = {it["id"] for it in items}
    recs = [r for r in records if r["id"] in wanted]
    secs = state["progress"]["seconds"]
    toks = sum(r["n_tokens"] for r in recs)
    return {"items": len(items), "samples": len(recs), "generated_tokens": toks,
            "generate_seconds": round(secs, 3),
            "tokens_per_s": round(state["progress"]["tokens"] / secs, 2) if secs > 0 else None,
            "finish": {f: sum(r["finish"] == f for r in recs) for f in sorted({r["finish"] for r in recs})}}
