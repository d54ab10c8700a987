"""Ask a teacher model for new items in a domain's format; keep only those the domain accepts.

Per request (an "attempt"): a few items of the domain's training file, as raw JSONL lines, are shown to
the teacher (chosen from the seed and the attempt number, so a resumed run asks the same questions); it
answers with one JSON object. The answer is kept when, in order:
  1. it is a JSON object (a ```json fence or text around it is tolerated)           else `not_json`
  2. the domain's own loader accepts it (schema; ids are dropped and re-derived)    else `schema`
  3. the domain's validator passes its gold answer (domain.validate on reference)   else the status
  4. the audit's overlap check (eval.audit.overlap: exact or 5-gram Jaccard >= 0.8) finds no train,
     eval or already generated item like it                                          else `duplicate`
Kept items go to the output JSONL (the domain's format, ready for --train); every rejected answer goes
to the rejected log with its reason. Both files are append-only logs (core.files.AppendLog): after a
kill, the rerun goes on from the next attempt. Not checked: whether a new item is *useful*, or correct
beyond what the validator checks.
"""
from __future__ import annotations

import json
import random
import re
import tempfile
from pathlib import Path

from core.errors import DataError, UserError
from core.files import AppendLog, atomic_write_json
from core.meta import run_info
from eval.audit import NEAR_THRESHOLD, overlap
from teacher.client import chat

SYSTEM = ("You write new items for a fine-tuning data set. Reply with exactly one JSON object on a single line, "
          "in the same format as the examples, and nothing else.")
MAX_EXAMPLE_CHARS = 3000
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def raw_lines(path) -> list[str]:
    return [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]


def prompt(domain_name: str, lines: list[str], seed: int, attempt: int, k: int) -> list[dict]:
    rng = random.Random(f"{seed}|{attempt}")
    short = [ln for ln in lines if len(ln) <= MAX_EXAMPLE_CHARS] or lines
    shown = rng.sample(short, min(k, len(short)))
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Data set: {domain_name}. Examples, one JSON object per line:\n"
                                        + "\n".join(shown) + "\n\nWrite one NEW item: a different task with "
                                        "a correct answer, in exactly this format."}]


def parse_object(text: str) -> dict:
    m = _FENCE.search(text)
    body = (m.group(1) if m else text).strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the answer")
    obj = json.loads(body[start:end + 1])
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj


def _without_ids(obj: dict) -> dict:
    obj = {k: v for k, v in obj.items() if k != "id"}
    if isinstance(obj.get("metadata"), dict):
        obj["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "id"}
    return obj


def _canonical(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def load_one(domain, obj: dict, attempt: int) -> dict:
    """The domain's loader on one object (DataError if it refuses)."""
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"teacher-{attempt}.jsonl"
        p.write_text(json.dumps(obj, ensure_ascii=False) + "\n", encoding="utf-8")
        return domain.load(p)[0]


def judge(domain, text: str, attempt: int, known: list[dict]) -> tuple[dict | None, str]:
    """(object to keep, "") or (None, reason)."""
    try:
        obj = _without_ids(parse_object(text))
    except (ValueError, json.JSONDecodeError) as exc:
        return None, f"not_json: {exc}"
    try:
        item = load_one(domain, obj, attempt)
    except DataError as exc:
        return None, f"schema: {str(exc).split(': ', 1)[-1]}"
    res = domain.validate(item, domain.reference(item))
    if not res.passed:
        return None, f"{res.status}: {' '.join(res.detail.split())[:300]}"
    ov = overlap(known, [item], domain, NEAR_THRESHOLD)
    hit = ov["train_eval_exact"] or ov["train_eval_near"]
    if hit:
        same = hit[0].get("train_ids") or [m["train_id"] for m in hit[0]["matches"]]
        kind = "exact" if ov["train_eval_exact"] else "near"
        return None, f"duplicate: {kind} copy of {same[0]}"
    return obj, ""


def run(domain, client, model: str, out_path, count: int, train_path, eval_path=None, max_requests=None,
        examples: int = 3, seed: int = 0, temperature: float = 0.8, max_tokens: int = 1024, log=print,
        **chat_kw) -> dict:
    out_path = Path(out_path)
    rejected_path = out_path.with_name(out_path.stem + ".rejected.jsonl")
    lines = raw_lines(train_path)
    known = domain.load(train_path) + (domain.load(eval_path) if eval_path else [])
    max_requests = max_requests or count * 5
    with AppendLog(out_path, _canonical) as kept, AppendLog(rejected_path, lambda r: r["attempt"]) as rej:
        for i, obj in enumerate(kept.records):  # the items generated before a kill count as known
            known.append(load_one(domain, obj, -i - 1))
        attempt = len(kept.records) + len(rej.records)
        if attempt:
            log(f"resuming: {len(kept.records)} kept, {len(rej.records)} rejected so far")
        while len(kept.records) < count and attempt < max_requests:
            text = chat(client, model, prompt(domain.name, lines, seed, attempt, examples), log=log,
                        temperature=temperature, max_tokens=max_tokens, **chat_kw)
            obj, reason = judge(domain, text, attempt, known)
            if obj is None:
                rej.append({"attempt": attempt, "reason": reason, "answer": text[:4000]})
                log(f"  [{attempt}] rejected: {reason[:120]}")
            else:
                kept.append(obj)
                known.append(load_one(domain, obj, attempt))
                log(f"  [{attempt}] kept ({len(kept.records)}/{count})")
            attempt += 1
        stats = {"kept": len(kept.records), "rejected": len(rej.records), "requests": attempt}
    if stats["kept"] < count:
        log(f"stopped at --max-requests {max_requests} with {stats['kept']} of {count} items")
    atomic_write_json(out_path.with_name(out_path.stem + ".meta.json"),
                      {"domain": domain.describe(), "model": model, "base_url": str(client.base_url),
                       "train": str(train_path), "eval": str(eval_path) if eval_path else None, "seed": seed,
                       "examples": examples, "temperature": temperature, **stats,
                       "rejected_log": str(rejected_path), "run": run_info()})
    return stats
