"""Deterministic builder of the shipped data: data/mcp_tools/{tools.json,train.jsonl,eval.jsonl,README.md}.

`python -c "from domains import get; get('mcp_tools').build('data/mcp_tools')"` rebuilds it byte for byte.

Requests come from phrasing.py: single calls (every tool), two-call tasks (`multi`) and 3-4 call tasks
(`sequence`) whose later calls reuse earlier values (patch -> load the patched ROM). The eval set ends with
the plain-request slice (forum.py, register `forum`, written by hand, never in train), after the generated
items so a limited run (--limit) picks the same items as before it existed. Each item offers the
model a few candidate tools: the gold ones, their look-alikes on the other server, and fillers.

Leak-free split (`audit()` proves it, the build fails if it finds anything): eval is built first; a train
candidate is dropped when its request text, its ordered call list, or any of its calls with a
high-cardinality argument (address, path, bytes, source, wide integer range) also occurs in eval. Both
splits are deduplicated. Calls whose whole argument space is tiny (pause, a save slot) may recur; their
full item still differs by request and call list.
"""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from core.files import atomic_write_jsonl, atomic_write_text, sha256_file
from domains.mcp_tools import scoring
from domains.mcp_tools.forum import FORUM
from domains.mcp_tools.phrasing import (CHATTY_ASK, CHATTY_CLOSE, CHATTY_OPEN, FRAMES, HELD_OUT_STYLES, JOINS2,
                                        JOINS3, JOINS4, STYLES, TOOLS)
from domains.mcp_tools.snes_tools import snes_tools

SCENARIOS = [  # (tool sequence, links: (from call, arg key, shown key, to call, arg key, shown key))
    (["mesen2.load_rom", "mesen2.run", "mesen2.screenshot"], []),
    (["mesen2.load_rom", "mesen2.run"], []),
    (["mesen2.load_state", "mesen2.run", "mesen2.read_memory"], []),
    (["z3ed_cli.extract", "z3ed_cli.import"], [(0, "rom", "rom", 1, "rom", "rom"),
                                               (0, "asset", "asset", 1, "asset", "asset")]),
    (["z3ed_cli.import", "z3ed_cli.validate"], [(0, "rom", "rom", 1, "rom", "rom")]),
    (["z3ed_cli.apply_patch", "z3ed_cli.validate"], [(0, "output", "output", 1, "rom", "rom")]),
    (["z3ed_cli.apply_patch", "mesen2.load_rom", "mesen2.run"], [(0, "output", "output", 1, "path", "rom")]),
    (["yaze_debugger.set_breakpoint", "yaze_debugger.step", "yaze_debugger.read_registers"], []),
    (["yaze_debugger.read_memory", "yaze_debugger.write_memory"], [(0, "address", "address", 1, "address",
                                                                    "address")]),
    (["yaze_debugger.assemble", "yaze_debugger.disassemble"], [(0, "origin", "origin", 1, "address",
                                                                "address")]),
    (["mesen2.pause", "mesen2.save_state"], []),
    (["mesen2.write_memory", "mesen2.run", "mesen2.screenshot"], []),
    (["mesen2.reset", "mesen2.run"], []),
    (["z3ed_cli.inspect", "z3ed_cli.extract"], [(0, "rom", "rom", 1, "rom", "rom")]),
    (["mesen2.set_breakpoint", "mesen2.run"], []),
    (["z3ed_cli.validate", "mesen2.load_rom"], [(0, "rom", "rom", 1, "path", "rom")]),
    (["mesen2.load_rom", "mesen2.load_state", "mesen2.run", "mesen2.screenshot"], []),
    (["mesen2.read_memory", "yaze_debugger.read_memory"], [(0, "address", "address", 1, "address", "address")]),
    (["mesen2.load_rom", "mesen2.set_breakpoint", "mesen2.run", "mesen2.read_memory"], []),
]
LOOKALIKE = {"yaze_debugger.read_memory": "mesen2.read_memory", "yaze_debugger.write_memory": "mesen2.write_memory",
             "yaze_debugger.set_breakpoint": "mesen2.set_breakpoint", "z3ed_cli.extract": "z3ed_cli.import",
             "mesen2.save_state": "mesen2.load_state", "z3ed_cli.inspect": "z3ed_cli.validate",
             "yaze_debugger.assemble": "yaze_debugger.disassemble", "mesen2.run": "yaze_debugger.step",
             "mesen2.load_rom": "mesen2.load_state", "mesen2.pause": "mesen2.reset",
             "z3ed_cli.apply_patch": "yaze_debugger.write_memory", "mesen2.screenshot": "z3ed_cli.extract",
             "z3ed_cli.find_free_space": "z3ed_cli.inspect", "yaze_debugger.read_registers": "yaze_debugger.step"}
LOOKALIKE.update({v: k for k, v in list(LOOKALIKE.items()) if v not in LOOKALIKE})
TARGETS = {"eval": {"single": 36, "multi": 26, "sequence": 18}, "train": {"single": 300, "multi": 180,
                                                                        "sequence": 120}}
SEEDS = {"eval": 61_1, "train": 61_2}
N_CANDIDATES = 5


def _clause(rng, tool):
    gen, templates = TOOLS[tool]
    args, shown = gen(rng)
    return args, shown, templates


def _render(rng, tool, args, shown, templates):
    optional = set(args) - set(_schema(tool).get("required", []))
    fits = [t for keys, t in templates if set(keys) == optional]
    if not fits:
        raise RuntimeError(f"builder: no phrasing of {tool} mentions exactly {sorted(optional)}")
    return rng.choice(fits).format(**shown)


_TOOLS = {t["function"]["name"]: t["function"] for t in snes_tools()}


def _schema(tool):
    return _TOOLS[tool]["parameters"]


def _calls_for(rng, tools, links):
    parts = [list(_clause(rng, t)) for t in tools]
    for src, akey, skey, dst, dkey, dskey in links:
        if akey in parts[src][0]:
            parts[dst][0][dkey] = parts[src][0][akey]
            parts[dst][1][dskey] = parts[src][1][skey]
    clauses = [_render(rng, t, a, s, tpl) for t, (a, s, tpl) in zip(tools, parts)]
    return [{"name": t, "arguments": a} for t, (a, _, _) in zip(tools, parts)], clauses


def _sentence(rng, clauses, style):
    """The request in one register (phrasing.STYLES); "chatty" wraps a plain body in a situation."""
    body_style = "plain" if style == "chatty" else style
    frames = {1: FRAMES, 2: JOINS2, 3: JOINS3}.get(len(clauses), JOINS4)[body_style]
    if style == "chatty" and len(clauses) == 1:
        body = rng.choice(CHATTY_ASK).format(clauses[0])
    else:
        body = rng.choice(frames).format(*clauses)
    body = body[0].upper() + body[1:]
    if style != "chatty":
        return body
    return " ".join(x for x in (rng.choice(CHATTY_OPEN), body, rng.choice(CHATTY_CLOSE)) if x)


def _style(rng, split) -> str:
    """A register for the next item: eval draws from every style, train never from a held-out one."""
    allowed = [s for s in STYLES if split == "eval" or s not in HELD_OUT_STYLES]
    return rng.choice(allowed)


def _candidates(rng, calls):
    names = list(dict.fromkeys(c["name"] for c in calls))
    for n in list(names):
        if LOOKALIKE.get(n) and LOOKALIKE[n] not in names:
            names.append(LOOKALIKE[n])
    pool = sorted(set(_TOOLS) - set(names))
    names += rng.sample(pool, max(0, max(N_CANDIDATES, len(calls) + 2) - len(names)))
    rng.shuffle(names)
    return names


def _family_item(rng, family, counter):
    if family == "single":
        tool = sorted(_TOOLS)[counter % len(_TOOLS)]
        return _calls_for(rng, [tool], [])
    pool = [s for s in SCENARIOS if (len(s[0]) == 2) == (family == "multi")]
    tools, links = pool[counter % len(pool)]
    return _calls_for(rng, tools, links)


def _norm_call(c):
    return json.dumps({"name": c["name"], "arguments": scoring.normalise_args(c["arguments"], _schema(c["name"]))},
                      sort_keys=True)


def _high_cardinality(call) -> bool:
    props = _schema(call["name"])["properties"]
    for k in call["arguments"]:
        s = props.get(k, {})
        if s.get("format") or (s.get("type") == "string" and "enum" not in s):
            return True
        if s.get("type") == "integer" and s.get("maximum", 1e9) - s.get("minimum", 0) > 16:
            return True
    return False


def keys(request: str, calls: list[dict]) -> dict:
    """The strings the split keeps apart: request, ordered call list, high-cardinality calls."""
    return {"request": " ".join(request.lower().split()),
            "calls": json.dumps([_norm_call(c) for c in calls]),
            "hc_calls": {_norm_call(c) for c in calls if _high_cardinality(c)}}


def _make_split(split, banned=None):
    rng, items, seen_req, seen_calls = random.Random(SEEDS[split]), [], set(), set()
    for family, target in TARGETS[split].items():
        made = attempts = 0
        while made < target:
            attempts += 1
            if attempts > target * 50:
                raise RuntimeError(f"builder: cannot make {target} leak-free {split}/{family} items")
            calls, clauses = _family_item(rng, family, attempts)
            style = _style(rng, split)
            request = _sentence(rng, clauses, style)
            k = keys(request, calls)
            if k["request"] in seen_req or k["calls"] in seen_calls:
                continue
            if banned and (k["request"] in banned["request"] or k["calls"] in banned["calls"]
                           or k["hc_calls"] & banned["hc_calls"]):
                continue
            seen_req.add(k["request"])
            seen_calls.add(k["calls"])
            made += 1
            items.append(_jsonl_item(f"{split}-{family}-{made:04d}", family, request, calls, _candidates(rng, calls),
                                     style))
    return items


def _forum_rows() -> list[dict]:
    """The hand-written plain requests (forum.py) as eval rows, candidate tools drawn as for the others."""
    rng, rows = random.Random("forum"), []
    for n, (family, request, calls) in enumerate(FORUM, 1):
        gold = [{"name": name, "arguments": args} for name, args in calls]
        rows.append(_jsonl_item(f"eval-{family}-forum-{n:02d}", family, request, gold, _candidates(rng, gold), "forum"))
    return rows


def _jsonl_item(item_id, family, request, calls, tool_names, style):
    tool_calls = [{"id": f"call_{i}", "type": "function",
                   "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                  for i, c in enumerate(calls, 1)]
    return {"messages": [{"role": "user", "content": request},
                         {"role": "assistant", "content": None, "tool_calls": tool_calls}],
            "metadata": {"id": item_id, "family": family, "style": style, "tools": tool_names}}


def _raw_keys(rows):
    out = {"request": set(), "calls": set(), "hc_calls": set()}
    for r in rows:
        calls = [{"name": tc["function"]["name"], "arguments": json.loads(tc["function"]["arguments"])}
                 for tc in r["messages"][-1]["tool_calls"]]
        k = keys(r["messages"][0]["content"], calls)
        out["request"].add(k["request"])
        out["calls"].add(k["calls"])
        out["hc_calls"] |= k["hc_calls"]
    return out


def audit(train_items: list[dict], eval_items: list[dict], domain) -> dict:
    """Leak and duplicate counts between loaded train and eval items (any user's data, any toolset)."""
    def texts(items):
        return Counter(domain.dedup_text(it) for it in items)
    tr, ev = texts(train_items), texts(eval_items)
    req = lambda it: " ".join(" ".join(str(m.get("content") or "") for m in it["prompt"]
                                       if m["role"] == "user").lower().split())  # noqa: E731
    calls = lambda it: json.dumps([[c["name"], c["arguments"]] for c in it["calls"]], sort_keys=True)  # noqa: E731
    return {"train_items": len(train_items), "eval_items": len(eval_items),
            "train_duplicates": sum(n - 1 for n in tr.values()), "eval_duplicates": sum(n - 1 for n in ev.values()),
            "eval_in_train": sum(n for t, n in ev.items() if t in tr),
            "eval_requests_in_train": len({req(i) for i in eval_items} & {req(i) for i in train_items}),
            "eval_call_lists_in_train": len({calls(i) for i in eval_items} & {calls(i) for i in train_items})}


def build(out_dir: Path) -> dict:
    from domains.mcp_tools import McpToolsDomain

    out_dir = Path(out_dir)
    tools = snes_tools()
    atomic_write_text(out_dir / "tools.json", json.dumps(tools, indent=1) + "\n")
    eval_rows = _make_split("eval") + _forum_rows()
    train_rows = _make_split("train", banned=_raw_keys(eval_rows))
    atomic_write_jsonl(out_dir / "eval.jsonl", eval_rows)
    atomic_write_jsonl(out_dir / "train.jsonl", train_rows)
    dom = McpToolsDomain(tools=out_dir / "tools.json")
    train, ev = dom.load(out_dir / "train.jsonl"), dom.load(out_dir / "eval.jsonl")
    report = audit(train, ev, dom)
    bad = {k: v for k, v in report.items() if k.startswith(("eval_", "train_dup")) and k != "eval_items" and v}
    if bad:
        raise RuntimeError(f"builder: leak or duplicate found: {bad}")
    for item in train + ev:  # the gold ceiling: every reference must score as an exact match
        r = dom.validate(item, dom.reference(item))
        if not r.passed:
            raise RuntimeError(f"builder: gold answer of {item['id']} fails: {r.detail}")
    summary = {**report, "tools": len(tools), "families": {
        s: dict(Counter(i["family"] for i in items)) for s, items in (("train", train), ("eval", ev))},
        "styles": {s: dict(sorted(Counter(i.get("style") for i in items).items()))
                   for s, items in (("train", train), ("eval", ev))}, "held_out_styles": list(HELD_OUT_STYLES),
        "sha256": {n: sha256_file(out_dir / n) for n in ("tools.json", "train.jsonl", "eval.jsonl")}}
    _write_readme(out_dir, summary, train, ev)
    return summary


def _write_readme(out_dir, summary, train, ev):
    from domains.mcp_tools.readme import readme_text

    atomic_write_text(out_dir / "README.md", readme_text(summary, train, ev))
