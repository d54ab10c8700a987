"""Scoring step: generations JSONL -> scores JSONL (one validator Result per sample) -> pass@k table.

What it does: runs `domain.validate(item, completion)` on every sample in worker processes, appends
each Result to an AppendLog keyed by (id, sample) (so scoring resumes too), and aggregates per item
(n, c), per family, the validator's level breakdown and status counts.

A validator that reports `tool_missing` or raises domains.base.ToolMissing stops scoring with a loud
error: a missing toolchain is never a pass and never a scored failure. Scores made from other
completions (the generations file was redone) are refused via a hash of each completion.

What it does not check: whether the generations were made with sensible settings (generate.py's header).
"""
from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
from collections import Counter, defaultdict
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from core.errors import DataError, UserError
from core.files import AppendLog, iter_jsonl
from domains.base import Domain, Result, ToolMissing

SCORE_KEY = lambda r: (r["id"], r["sample"])  # noqa: E731
CHUNK = 16


class ToolMissingError(UserError):
    """The validator's toolchain is absent: scoring stopped."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_generations(path, items_by_id: dict, n: int) -> list[dict]:
    """Every (item, sample) exactly once, for exactly the given items; else a clear error."""
    recs, seen = [], set()
    for lineno, r in iter_jsonl(path):
        for key in ("id", "sample", "completion"):
            if key not in r:
                raise DataError(path, lineno, f"generation record lacks {key!r}")
        if r["id"] not in items_by_id:
            raise DataError(path, lineno, f"item id {r['id']!r} is not in the eval data")
        k = (r["id"], r["sample"])
        if k not in seen:
            seen.add(k)
            recs.append(r)
    missing = [(i, s) for i in items_by_id for s in range(n) if (i, s) not in seen]
    if missing:
        raise UserError(f"{path}: generation is incomplete ({len(missing)} of {len(items_by_id) * n} samples "
                        f"missing, e.g. {missing[0]}); rerun the generate step first")
    return [r for r in recs if r["sample"] < n]


_DOMAIN = None


def _init_worker(domain):
    global _DOMAIN
    _DOMAIN = domain


def _validate_chunk(jobs):
    """Runs in a worker: [(item, gen_record)] -> [score record]. ToolMissing propagates."""
    return [_validate_one(_DOMAIN, item, rec) for item, rec in jobs]


def _validate_one(domain, item, rec) -> dict:
    res = domain.validate(item, rec["completion"])
    if not isinstance(res, Result):
        raise TypeError(f"{domain.name}.validate returned {type(res).__name__}, expected domains.base.Result")
    if res.status == "tool_missing":
        raise ToolMissing(res.detail or "validator toolchain missing")
    return {"id": rec["id"], "sample": rec["sample"], "family": item.get("family", ""),
            "completion_sha": text_hash(rec["completion"]), "domain_version": domain.version,
            **res.to_dict()}


def _check_existing(log: AppendLog, gens: dict, domain):
    for r in log.records:
        g = gens.get((r["id"], r["sample"]))
        if g is None or r.get("completion_sha") != text_hash(g["completion"]) \
                or r.get("domain_version") != domain.version:
            raise UserError(f"{log.path} holds scores of other completions or another validator version "
                            f"(first: {r['id']}#{r['sample']}); delete it to rescore")


def run_scoring(domain, items_by_id: dict, gen_path, scores_path, n: int, workers: int = 2,
                progress: bool = True) -> list[dict]:
    """Score every sample not yet in `scores_path`; return all score records for these items."""
    gens = {(r["id"], r["sample"]): r for r in read_generations(gen_path, items_by_id, n)}
    with AppendLog(scores_path, SCORE_KEY) as log:
        _check_existing(log, gens, domain)
        todo = [(items_by_id[k[0]], g) for k, g in sorted(gens.items(), key=lambda kv: str(kv[0]))
                if k not in log.done]
        if todo:
            _score(domain, todo, log, workers, progress)
        return [r for r in log.records if (r["id"], r["sample"]) in gens]


def _score(domain, todo, log, workers, progress):
    from tqdm import tqdm

    bar = tqdm(total=len(todo), unit="sample", desc="score", disable=not progress, dynamic_ncols=True)
    chunks = [todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)]
    try:
        # e.g. many answers compiled in few compiler runs; forked workers inherit it (Domain.warm)
        domain.warm([rec["completion"] for _, rec in todo])
        if workers <= 1:
            for ch in chunks:
                for item, rec in ch:
                    log.append(_validate_one(domain, item, rec))
                bar.update(len(ch))
            return
        # fork: workers inherit the domain object as is (also a test domain registered at run time)
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_init_worker,
                                 initargs=(domain,)) as pool:
            futs = {pool.submit(_validate_chunk, ch) for ch in chunks}
            while futs:
                done, futs = wait(futs, return_when=FIRST_COMPLETED)
                for f in done:
                    recs = f.result()  # re-raises ToolMissing from the worker
                    for r in recs:
                        log.append(r)
                    bar.update(len(recs))
    except ToolMissing as exc:
        raise ToolMissingError(f"validator toolchain missing for domain {domain.name!r}: {exc}. Scoring "
                               "stopped (nothing counted as pass); install it (see gate A: make gate-a) "
                               "and rerun") from exc
    finally:
        bar.close()


def aggregate(domain, score_records: list[dict]) -> dict:
    """Per-item (n, c), status counts and level breakdown, overall and per family."""
    items = {}
    for r in score_records:
        it = items.setdefault(r["id"], {"family": r["family"], "n": 0, "c": 0})
        it["n"] += 1
        it["c"] += int(r["status"] == "ok")
    levels = list(domain.levels) or sorted({lv for r in score_records for lv in r.get("levels", {})})
    return {"items": items, "status": _counts(score_records), "levels": _levels(score_records, levels),
            "families": {f: {"status": _counts(rs), "levels": _levels(rs, _family_levels(domain, f, levels))}
                         for f, rs in sorted(_by_family(score_records).items())},
            "metrics": _metrics(score_records)}


def _family_levels(domain, family: str, default: list) -> list:
    """A family's own validator levels (Domain.levels_for), e.g. a repair family's `applies`; `default`
    (the levels seen) for a domain whose families share the domain's levels."""
    own = list(domain.levels_for({"family": family}))
    return own if type(domain).levels_for is not Domain.levels_for else default


def _by_family(records):
    out = defaultdict(list)
    for r in records:
        out[r["family"]].append(r)
    return out


def _counts(records) -> dict:
    return dict(sorted(Counter(r["status"] for r in records).items()))


def _levels(records, levels) -> dict:
    """Share of samples that reached each validator level."""
    n = len(records) or 1
    return {lv: round(sum(bool(r.get("levels", {}).get(lv)) for r in records) / n, 6) for lv in levels}


def _metrics(records) -> dict:
    sums, counts = defaultdict(float), Counter()
    for r in records:
        for k, v in (r.get("metrics") or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                sums[k] += v
                counts[k] += 1
    return {k: round(sums[k] / counts[k], 6) for k in sorted(sums)}


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1))


