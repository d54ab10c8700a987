"""Prompt template of the Luanti domain: one system prompt per answer kind and the user message.

Changing any text here changes what the model sees: bump `domains.luanti.LuantiDomain.version`.
"""
from __future__ import annotations

SYSTEM_LUA = (
    "You are an expert Luanti (formerly Minetest) mod developer. Answer with the complete Lua code "
    "for the mod's init.lua in a single ```lua code block, using the minetest.* API. No explanations.")

SYSTEM_DIFF = (
    "You are an expert Luanti (formerly Minetest) mod developer. You fix broken mod code. Answer with "
    "a unified diff of init.lua (headers --- a/init.lua and +++ b/init.lua, then @@ hunks with 3 lines "
    "of context) in a single ```diff code block. No explanations.")


def user_message(family: str, instruction: str, input_text: str, modname: str) -> str:
    """The user turn for one item; `modname` is the mod the code is loaded as."""
    head = f"Mod name: {modname}\n\n"
    if family == "repair":
        return (f"{head}{instruction.strip()}\n\ninit.lua:\n```lua\n{input_text.rstrip()}\n```\n\n"
                "Reply with a unified diff of init.lua that fixes it.")
    if family == "doc":
        return (f"{head}Lua API reference excerpt:\n{input_text.strip()}\n\n"
                f"Task: {instruction.strip()}")
    if input_text.strip():
        return f"{head}{instruction.strip()}\n\nStart from:\n```lua\n{input_text.rstrip()}\n```"
    return f"{head}{instruction.strip()}"


def system_prompt(family: str) -> str:
    return SYSTEM_DIFF if family == "repair" else SYSTEM_LUA
