"""Prompt template of the Luanti domain: one system prompt per answer kind and the user message.

Changing any text here changes what the model sees: bump `domains.luanti.LuantiDomain.version`.
"""
from __future__ import annotations

SYSTEM_LUA = (
    "You are an expert Luanti (formerly Minetest) mod developer. Answer with the complete Lua code "
    "for the mod's init.lua in a single ```lua code block, using the minetest.* API. No explanations.")

SYSTEM_DIFF = (
    "You are an expert Luanti (formerly Minetest) mod developer. You fix broken mod code. Answer with "
    "one SEARCH/REPLACE block per change: a line <<<<<<< SEARCH, the exact lines of init.lua to change, "
    "a line =======, the lines that replace them, a line >>>>>>> REPLACE. Quote only the lines you change "
    "(plus a neighbour when they are not unique). No explanations.")


def user_message(family: str, instruction: str, input_text: str, modname: str | None) -> str:
    """The user turn for one item; `modname` is the mod the code is loaded as (None: the request leaves
    the mod prefix to the answer, and no mod name is stated)."""
    head = f"Mod name: {modname}\n\n" if modname else ""
    if family == "repair":
        return (f"{head}{instruction.strip()}\n\ninit.lua:\n```lua\n{input_text.rstrip()}\n```\n\n"
                "Reply with SEARCH/REPLACE blocks that fix it.")
    if family == "doc":
        return (f"{head}Lua API reference excerpt:\n{input_text.strip()}\n\n"
                f"Task: {instruction.strip()}")
    if input_text.strip():
        return f"{head}{instruction.strip()}\n\nStart from:\n```lua\n{input_text.rstrip()}\n```"
    return f"{head}{instruction.strip()}"


def system_prompt(family: str) -> str:
    return SYSTEM_DIFF if family == "repair" else SYSTEM_LUA
