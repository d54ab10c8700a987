"""The three specialists of the seed, as configurations of the one mcp_tools domain.

A specialist is a system prompt (domains/mcp_tools/prompts/<name>.txt), a set of focus tools, and a training
mix: every item that calls a focus tool, plus a fixed, deterministic share (`other_fraction`) of the
other items so the specialist does not forget the rest of the toolset. Evaluation is not filtered: the
breakdown reports the focus tools and all tools (scoring.breakdown(..., focus_tools=...)).

Used as `make train DOMAIN=mcp_tools SPECIALIST=debug` -> `domains.get("mcp_tools").configure(
specialist="debug")`. Aliases are the seed's model names (veran-tools, farore-debug, nayru-editor).
"""
from __future__ import annotations

import hashlib

from core.errors import unknown_name

SPECIALISTS = {
    "analysis": {
        "title": "VERAN-tools: ROM analysis and inspection",
        "aliases": ["veran-tools", "veran", "tools"],
        "prompt": "domains/mcp_tools/prompts/analysis.txt",
        "focus_tools": ["yaze_debugger.read_memory", "yaze_debugger.disassemble", "z3ed_cli.inspect",
                        "z3ed_cli.extract", "z3ed_cli.find_free_space", "mesen2.read_memory"],
        "other_fraction": 0.25,
    },
    "debug": {
        "title": "FARORE-debug: debugging and emulation",
        "aliases": ["farore-debug", "farore", "emulation"],
        "prompt": "domains/mcp_tools/prompts/debug.txt",
        "focus_tools": ["mesen2.load_rom", "mesen2.run", "mesen2.pause", "mesen2.reset", "mesen2.screenshot",
                        "mesen2.set_breakpoint", "mesen2.save_state", "mesen2.load_state",
                        "yaze_debugger.read_memory", "yaze_debugger.set_breakpoint", "yaze_debugger.step",
                        "yaze_debugger.read_registers"],
        "other_fraction": 0.25,
    },
    "editor": {
        "title": "NAYRU-editor: code generation and ROM editing",
        "aliases": ["nayru-editor", "nayru", "code"],
        "prompt": "domains/mcp_tools/prompts/editor.txt",
        "focus_tools": ["yaze_debugger.write_memory", "yaze_debugger.assemble", "z3ed_cli.import",
                        "z3ed_cli.validate", "z3ed_cli.apply_patch", "mesen2.write_memory"],
        "other_fraction": 0.25,
    },
}


def specialist(name: str) -> dict:
    """The config of a specialist by name or alias; unknown -> UserError with the closest match."""
    key = (name or "").strip().lower()
    for real, cfg in SPECIALISTS.items():
        if key == real or key in cfg["aliases"]:
            return {"name": real, **cfg}
    known = list(SPECIALISTS) + [a for cfg in SPECIALISTS.values() for a in cfg["aliases"]]
    raise unknown_name("specialist", name, known)


def _keep_share(item_id: str, fraction: float) -> bool:
    # a hash, not random(): the same items are kept on every run and machine
    h = int(hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < fraction


def select_training(items: list[dict], cfg: dict) -> list[dict]:
    """Training items for a specialist: all focus items, plus `other_fraction` of the rest."""
    focus = set(cfg["focus_tools"])
    return [it for it in items if {c["name"] for c in it["calls"]} & focus
            or _keep_share(str(it["id"]), cfg["other_fraction"])]
