"""The text of data/mcp_tools/README.md, written by the builder from the data it just made (sizes,
families, per-tool counts, audit figures, hashes), so the README never disagrees with the files."""
from __future__ import annotations

from collections import Counter


def _tool_counts(items) -> Counter:
    return Counter(c["name"] for it in items for c in it["calls"])


def readme_text(summary: dict, train: list[dict], ev: list[dict]) -> str:
    tr, evc = _tool_counts(train), _tool_counts(ev)
    rows = "\n".join(f"| `{name}` | {tr[name]} | {evc[name]} |" for name in sorted(set(tr) | set(evc)))
    fam = summary["families"]
    fam_rows = "\n".join(f"| {f} | {fam['train'].get(f, 0)} | {fam['eval'].get(f, 0)} |"
                         for f in ("single", "multi", "sequence"))
    st = summary["styles"]
    style_rows = "\n".join(f"| {s} | {st['train'].get(s, 0)} | {st['eval'].get(s, 0)} |"
                           for s in sorted(set(st["train"]) | set(st["eval"])))
    held = ", ".join(f"`{s}`" for s in summary["held_out_styles"])
    sha = "\n".join(f"- `{n}`: `{h}`" for n, h in summary["sha256"].items())
    return f"""# mcp_tools data (generated: do not edit by hand)

Rebuild, byte for byte: `.venv/bin/python -c "from domains import get; get('mcp_tools').build('data/mcp_tools')"`
(code: `domains/mcp_tools/builder.py`, phrasings `phrasing.py`, tool schemas `snes_tools.py`).

- `tools.json`: {summary['tools']} SNES ROM-development tools (yaze debugger, z3ed CLI, Mesen2) as an OpenAI
  `tools` list. Dotted names are the names (see `toolset.py` for the `__` alias convention).
- `train.jsonl`: {summary['train_items']} items; `eval.jsonl`: {summary['eval_items']} items. OpenAI chat format:
  a user request, then the gold assistant turn with `tool_calls` (arguments as a JSON string);
  `metadata` = id, family, style (the request's register), candidate tool names shown to the model.

| family | train | eval |
| --- | --- | --- |
{fam_rows}

Families: `single` = one call; `multi` = two calls in order; `sequence` = three or four calls in order,
later calls reusing earlier values.

| style | train | eval |
| --- | --- | --- |
{style_rows}

Styles (registers of the request, `phrasing.py`): `plain` ("Load state slot 3."), `polite` ("Could you
load state slot 3 for me?"), `chatty` (a situation, the request inside it, a sign-off: "Quick one while I
test the new dungeon. Can we load state slot 3 real quick? Cheers."). Held out of training entirely:
{held}; their eval items are reported as their own slice in every result and in gate E, so a user sees
whether an adapter learnt the tools or the training phrasing. `forum` (eval only, `forum.py`): the
plain-request slice, requests written by hand the way a ROM hacker asks on a forum, no tool names, no
argument list, counts in words ("hard reset the console and let it go for four thousand three hundred
frames"); gate E reports it on its own line ("Plain requests (forum)"), apart from the held-out register.
The forum items come last in `eval.jsonl`, so `--limit` (the demo's 36) picks the same items as before.

## Leak audit (computed by `builder.audit` on the loaded files)

- duplicates within train: {summary['train_duplicates']}; within eval: {summary['eval_duplicates']}
- eval items whose request + calls occur in train: {summary['eval_in_train']}
- eval requests found in train: {summary['eval_requests_in_train']}; eval call lists found in train:
  {summary['eval_call_lists_in_train']}
- by construction, no eval call with a high-cardinality argument (address, path, bytes, source, wide
  integer) occurs anywhere in train; tiny-argument calls (pause, save slot, reset kind) may recur.

## Calls per tool

| tool | train | eval |
| --- | --- | --- |
{rows}

## SHA-256

{sha}
"""
