"""Build the Luanti fine-tuning data set from the real Lua code Debian installs (deterministic).

    python scripts/build_data.py --domain luanti --out data/luanti

Needs `apt-get install -y minetest-server minetest-data` (says so and exits 2 when missing). Reads
minetest_game, devtest and the engine's builtin Lua, Debian's copyright file and lua_api.txt; writes
train.jsonl + eval.jsonl (complete set), mit/ and copyleft/ subsets of both, and stats.json. Building
twice gives byte-identical files: no clock, no unseeded randomness, sorted keys and rows.

Split: whole source mods go to eval (EVAL_MODS); doc items are also split by API section
(EVAL_DOC_APIS) so an eval excerpt is never seen in training. Every item passes the builder's self-check
(build_check.check_item) and every eval item is compared with every train item (normalised text,
char 5-gram and word 3-gram Jaccard); eval items at or over NEAR_DUP are dropped and counted.
The eval set ends with the plain-request slice (build_forum.py, register `forum`, written by hand, never in
train), after the sampled items so a limited run (--limit, the demo's 36) picks the same items as before.
What it does not check: the real validator's verdict (run scripts/check_references.py for that).
"""
from __future__ import annotations

import hashlib
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

from core.files import atomic_write_json, atomic_write_jsonl
from domains.luanti.build_check import check_item, near_duplicates, normalise
from domains.luanti.build_doc import ApiDoc, doc_callbacks, doc_dyes, doc_from_registration
from domains.luanti.build_forum import forum_items
from domains.luanti.build_items import rng_for, scaffold_item
from domains.luanti.build_lua import Evaluator
from domains.luanti.build_render import collect
from domains.luanti.build_repair import repair_item
from domains.luanti.build_style import HELD_OUT, chatty, pick_style
from domains.luanti.build_source import GAME_API, LUA_API, copyright_stanzas, find_sources, license_for

BUILD_VERSION = "2"
EVAL_MODS = ("minetest_game/farming", "minetest_game/vessels", "minetest_game/fireflies",
             "devtest/basetools", "devtest/util_commands", "builtin/common")
EVAL_DOC_APIS = ("register_tool", "register_decoration", "register_on_leaveplayer",
                 "register_on_dieplayer", "register_on_dignode", "after")
TRAIN_PER_FAMILY = 230
EVAL_PER_FAMILY = 30
NEAR_DUP = 0.75  # pairs seen at >= 0.75 restate nearly all values; 0.70-0.72 differ in values
DOC_LICENSE = "LGPL-2.1-or-later"  # lua_api.txt falls under the copyright file's "Files: *" stanza
SCHEMA_KEYS = ("id", "family", "style", "instruction", "input", "output", "expect", "source", "license")


def item_id(item: dict) -> str:
    h = hashlib.sha1((item["instruction"] + "\n" + item["input"]).encode("utf-8")).hexdigest()[:12]
    return f"luanti-{item['family']}-{h}"


def _from_registrations(regs, doc) -> list[dict]:
    items, rotation = [], Counter()
    for reg in regs:
        meta = {"source": reg.source, "license": reg.src.license, "_mod": reg.src.mod, "_api": reg.api}
        split = "eval" if reg.src.mod in EVAL_MODS else "train"
        styles = rng_for("style", reg.source, reg.api, reg.name)
        sc = scaffold_item(reg, pick_style("scaffold", split, styles))
        if sc:
            items.append({**sc, **meta, "_split": split})
        # each mod cycles through the fault kinds
        rp = repair_item(reg, rotation[reg.src.mod], pick_style("repair", split, styles))
        if rp:
            rotation[reg.src.mod] += 1
            fault = rp.pop("fault")
            rp.pop("fixed")
            items.append({**rp, **meta, "_fault": fault,
                          "_split": "eval" if reg.src.mod in EVAL_MODS else "train"})
        dc = doc_from_registration(reg, doc)
        if dc:
            in_eval_mod, eval_api = reg.src.mod in EVAL_MODS, reg.api in EVAL_DOC_APIS
            if in_eval_mod != eval_api:
                continue  # would tie an eval mod to a train excerpt or the reverse: leakage
            src = dc.pop("doc_source")
            items.append(_doc_style({**dc, **meta, "source": f"{src}; {reg.source}", "license": DOC_LICENSE,
                                     "_split": "eval" if eval_api else "train"}))
    stanzas = copyright_stanzas()
    for dc in doc_dyes(GAME_API, license_for("mtg/game_api.txt", stanzas)):
        dc.pop("group")
        src = dc.pop("doc_source")
        items.append(_doc_style({**dc, "source": src, "_mod": "game_api/Dyes", "_api": dc.pop("api"),
                                 "_split": "train"}))
    for dc in doc_callbacks(doc):
        api = dc.pop("group").split("/", 1)[1]
        src = dc.pop("doc_source")
        items.append(_doc_style({**dc, "source": src, "license": DOC_LICENSE, "_mod": f"lua_api/{api}",
                                 "_api": api, "_split": "eval" if api in EVAL_DOC_APIS else "train"}))
    return items


def _doc_style(item: dict) -> dict:
    """A doc item's register: its own "spec" instruction, or (eval only) the held-out chatty one."""
    rng = rng_for("doc-style", item["source"], item["instruction"])
    style = pick_style("doc", item["_split"], rng)
    if style in HELD_OUT:
        item["instruction"] = chatty(item["instruction"], rng)
    return {**item, "style": style}


def _sample(items: list[dict], n: int, salt: str) -> list[dict]:
    """Up to n items, round-robin over APIs (each API's items in a seeded order) so rare APIs stay."""
    by_api = defaultdict(list)
    for it in sorted(items, key=lambda x: x["id"]):
        by_api[it["_api"]].append(it)
    queues = []
    for api in sorted(by_api):
        q = by_api[api]
        rng_for(salt, api).shuffle(q)
        # MIT items first: the commercial-safe subset is small, so none of it is sampled away
        q.sort(key=lambda x: x["license"] != "MIT")
        queues.append(q)
    out = []
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out


def _public(item: dict) -> dict:
    return {k: item[k] for k in SCHEMA_KEYS if k in item}


def _package_version(name: str) -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True,
                              text=True, check=False).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def build(out_dir: Path, train_per_family: int | None = None) -> dict:
    """The data set in `out_dir`; `train_per_family` samples that many training items per family instead of
    TRAIN_PER_FAMILY (a larger training set from the same sources; the eval set does not change)."""
    out_dir = Path(out_dir)
    sources = find_sources()
    regs = collect(sources)
    doc = ApiDoc(LUA_API)
    ev = Evaluator()
    stats = {"build_version": BUILD_VERSION, "held_out_styles": list(HELD_OUT), "eval_mods": list(EVAL_MODS), "eval_doc_apis": list(EVAL_DOC_APIS),
             "near_dup_threshold": NEAR_DUP, "debian_packages": {p: _package_version(p) for p in
                                                                 ("minetest-data", "minetest-server")},
             "sources": {"lua_files": len(sources), "registrations": len(regs),
                         "mods": len({s.mod for s in sources})}}
    items, rejected, seen = [], Counter(), set()
    for it in _from_registrations(regs, doc):
        it["id"] = item_id(it)
        key = normalise(it["instruction"] + "\n" + it["input"])
        problem = check_item(it, ev)
        if problem:
            rejected[f"{it['family']}: {problem.split(':')[0]}"] += 1
        elif key in seen:
            rejected[f"{it['family']}: exact duplicate"] += 1
        else:
            seen.add(key)
            items.append(it)
    stats["rejected_by_self_check"] = dict(sorted(rejected.items()))
    train, evals = [], []
    for fam in ("scaffold", "repair", "doc"):
        train += _sample([i for i in items if i["family"] == fam and i["_split"] == "train"],
                         train_per_family or TRAIN_PER_FAMILY, "train")
        evals += _sample([i for i in items if i["family"] == fam and i["_split"] == "eval"],
                         EVAL_PER_FAMILY, "eval")
    forum = _checked_forum(evals, ev)
    # the eval set is fixed by its sources; training items that nearly repeat an eval item go (each
    # round finds the closest train item per eval item, so repeat until none is left)
    pairs, drop = [], set()
    while True:
        hits, worst = near_duplicates([i["instruction"] + "\n" + i["input"] for i in evals + forum],
                                      [i["instruction"] + "\n" + i["input"] for i in train], NEAR_DUP)
        if not hits:
            break
        pairs += [[(evals + forum)[e]["id"], train[t]["id"], cj, wj] for e, t, cj, wj in hits]
        gone = {train[t]["id"] for _, t, *_ in hits}
        drop |= gone
        train = [i for i in train if i["id"] not in gone]
    stats["train_per_family"] = train_per_family or TRAIN_PER_FAMILY
    stats["near_duplicates_dropped"] = len(drop)
    stats["near_duplicate_pairs"] = sorted(pairs)
    stats["max_eval_train_similarity"] = worst
    train.sort(key=lambda x: x["id"])
    evals.sort(key=lambda x: x["id"])
    evals += forum
    _write(out_dir, train, evals, stats)
    return stats


def _checked_forum(evals: list[dict], ev) -> list[dict]:
    """The plain-request slice (build_forum), each item through the builder's check like every other."""
    out = []
    for it in forum_items(evals):
        it["id"] = item_id(it)
        problem = check_item(it, ev)
        if problem:
            raise ValueError(f"domains/luanti/build_forum.py: the forum item {it['instruction'][:60]!r} fails the "
                             f"builder's check: {problem}")
        out.append(it)
    return out


def _counts(rows) -> dict:
    return {"total": len(rows),
            "family": dict(sorted(Counter(r["family"] for r in rows).items())),
            "license": dict(sorted(Counter(r["license"] for r in rows).items())),
            "api": dict(sorted(Counter(r["_api"] for r in rows).items())),
            "repair_fault": dict(sorted(Counter(r["_fault"] for r in rows if "_fault" in r).items())),
            "style": dict(sorted(Counter(r["style"] for r in rows).items())),
            "mods": len({r["_mod"] for r in rows})}


def _write(out_dir: Path, train, evals, stats):
    subsets = {"": lambda r: True, "mit": lambda r: r["license"] == "MIT",
               "copyleft": lambda r: r["license"] != "MIT"}
    for sub, keep in subsets.items():
        for split, rows in (("train", train), ("eval", evals)):
            chosen = [r for r in rows if keep(r)]
            atomic_write_jsonl(out_dir / sub / f"{split}.jsonl", [_public(r) for r in chosen])
            stats.setdefault("splits", {})[f"{sub + '/' if sub else ''}{split}"] = _counts(chosen)
    train_mods = {r["_mod"] for r in train}
    stats["mods_in_both_splits"] = sorted(train_mods & {r["_mod"] for r in evals})
    atomic_write_json(out_dir / "stats.json", stats)
