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
    sha = "\n".join(f"- `{n}`: `{h}`" for n, h in summary["sha256"].items())
    return f"""# mcp_tools data (generated: do not edit by hand)

Rebuild, byte for byte: `.venv/bin/python -c "from domains import get; get('mcp_tools').build('data/mcp_tools')"`
(code: `domains/mcp_tools/builder.py`, phrasings `phrasing.py`, tool schemas `snes_tools.py`).

- `tools.json`: {summary['tools']} SNES ROM-development tools (yaze debugger, z3ed CLI, Mesen2) as an OpenAI
  `tools` list. Dotted names are the names (see `toolset.py` for the `__` alias convention).
- `train.jsonl`: {summary['train_items']} items; `eval.jsonl`: {summary['eval_items']} items. OpenAI chat format:
  a user request, then the gold assistant turn with `tool_calls` (arguments as a JSON string);
  `metadata` = id, family, candidate tool names shown to the model.

| family | train | eval |
| --- | --- | --- |
{fam_rows}

Families: `single` = one call; `multi` = two calls in order; `sequence` = three or four calls in order,
later calls reusing earlier values.

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
