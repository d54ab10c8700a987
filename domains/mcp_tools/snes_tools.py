"""The shipped SNES ROM-development toolset (yaze debugger, z3ed CLI, Mesen2 emulator), written as an
OpenAI `tools` list. `build()` writes it to data/mcp_tools/tools.json; this module is its only source.

The schemas are this project's own description of what such servers expose (memory, assembler,
breakpoints, ROM asset import/export, emulator control); they are not copied from any real server.
Custom JSON Schema `format`s used here, understood by domains/mcp_tools/toolset.py:
* `snes-address`: an address as an integer or a hex string (`0x7E0010`, `$7E0010`, `7E:0010`, `7E0010`);
* `hex-bytes`: a byte string in hex, spaces allowed (`A9 01 8D 00 21`);
* `path`: a file path (compared after normalisation: `./a//b` == `a/b`).
"""
from __future__ import annotations

ADDRESS = {"type": ["string", "integer"], "format": "snes-address",
           "description": "e.g. 0x7E0010"}
BYTES = {"type": "string", "format": "hex-bytes", "pattern": "^[0-9A-Fa-f\\s]+$",
         "description": "e.g. 'A9 01 8D'"}
ROM = {"type": "string", "format": "path", "description": "ROM file"}
ASSETS = ["graphics", "palettes", "tilemaps", "messages", "music", "sprites", "dungeons"]


def _fn(name, description, properties, required=()):
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": properties, "required": list(required),
                       "additionalProperties": False}}}


def _int(lo, hi, desc, default=None):
    spec = {"type": "integer", "minimum": lo, "maximum": hi, "description": desc}
    if default is not None:
        spec["default"] = default
    return spec


def _enum(values, desc, default=None):
    spec = {"type": "string", "enum": list(values), "description": desc}
    if default is not None:
        spec["default"] = default
    return spec


def _path(desc):
    return {"type": "string", "format": "path", "description": desc}


def yaze_tools() -> list[dict]:
    space = _enum(["rom", "wram", "sram", "vram"], "memory space", "rom")
    return [
        _fn("yaze_debugger.read_memory", "Read bytes from the ROM or RAM loaded in yaze.",
            {"address": ADDRESS, "length": _int(1, 4096, "number of bytes"), "space": space},
            ["address", "length"]),
        _fn("yaze_debugger.write_memory", "Write bytes (a patch) at an address in yaze.",
            {"address": ADDRESS, "data": BYTES, "space": space}, ["address", "data"]),
        _fn("yaze_debugger.assemble", "Assemble 65816 source at an origin address and patch it in.",
            {"source": {"type": "string", "description": "assembly source, one instruction a line"},
             "origin": ADDRESS, "dry_run": {"type": "boolean", "default": False,
                                            "description": "only report the bytes, do not patch"}},
            ["source", "origin"]),
        _fn("yaze_debugger.disassemble", "Disassemble instructions starting at an address.",
            {"address": ADDRESS, "count": _int(1, 256, "number of instructions", 16)}, ["address"]),
        _fn("yaze_debugger.set_breakpoint", "Set a breakpoint in the yaze debugger.",
            {"address": ADDRESS, "kind": _enum(["exec", "read", "write"], "what triggers it", "exec")},
            ["address"]),
        _fn("yaze_debugger.step", "Step the CPU a number of instructions.",
            {"count": _int(1, 100000, "instructions to step", 1)}),
        _fn("yaze_debugger.read_registers", "Read CPU registers.",
            {"registers": {"type": "array", "items": {"type": "string", "enum": [
                "A", "X", "Y", "S", "D", "DB", "PB", "PC", "P"]}, "description": "registers to read"}},
            ["registers"]),
    ]


def z3ed_tools() -> list[dict]:
    asset = _enum(ASSETS, "kind of asset")
    return [
        _fn("z3ed_cli.inspect", "Inspect the structure of a ROM (header, tables, counts).",
            {"rom": ROM, "target": _enum(["header", "dungeons", "overworld", "sprites", "palettes",
                                          "graphics", "messages"], "what to inspect")},
            ["rom", "target"]),
        _fn("z3ed_cli.extract", "Extract an asset from a ROM to a file.",
            {"rom": ROM, "asset": asset, "output": _path("where to write it"),
             "index": _int(0, 4095, "which entry (all when omitted)")}, ["rom", "asset", "output"]),
        _fn("z3ed_cli.import", "Import an edited asset file back into a ROM.",
            {"rom": ROM, "asset": asset, "input": _path("file to import"),
             "index": _int(0, 4095, "which entry"), "backup": {"type": "boolean", "default": True,
                                                              "description": "keep a .bak copy"}},
            ["rom", "asset", "input"]),
        _fn("z3ed_cli.validate", "Validate a ROM's integrity.",
            {"rom": ROM, "checks": {"type": "array", "items": {"type": "string", "enum": [
                "checksum", "header", "pointers", "free_space"]}, "description": "checks (all if omitted)"}},
            ["rom"]),
        _fn("z3ed_cli.apply_patch", "Apply an IPS/BPS patch to a ROM.",
            {"rom": ROM, "patch": _path("the .ips or .bps file"), "output": _path("patched ROM path")},
            ["rom", "patch", "output"]),
        _fn("z3ed_cli.find_free_space", "Find a free block of bytes in the ROM.",
            {"rom": ROM, "size": _int(1, 65536, "bytes needed"), "bank": _int(0, 255, "bank to search")},
            ["rom", "size"]),
    ]


def mesen_tools() -> list[dict]:
    space = _enum(["cpu", "wram", "vram", "oam", "cgram", "aram"], "memory space", "cpu")
    return [
        _fn("mesen2.load_rom", "Load a ROM into the Mesen2 emulator.",
            {"path": ROM, "region": _enum(["auto", "ntsc", "pal"], "video region", "auto")}, ["path"]),
        _fn("mesen2.run", "Run emulation for a number of frames.",
            {"frames": _int(1, 1000000, "frames to run"),
             "speed": _int(1, 1000, "speed in percent", 100)}, ["frames"]),
        _fn("mesen2.pause", "Pause emulation.", {}),
        _fn("mesen2.reset", "Reset the console.", {"kind": _enum(["soft", "hard"], "reset kind", "soft")}),
        _fn("mesen2.screenshot", "Save a screenshot of the current frame.",
            {"output": _path("PNG file to write"), "scale": _int(1, 4, "pixel scale", 1)}, ["output"]),
        _fn("mesen2.read_memory", "Read emulator memory.",
            {"address": ADDRESS, "length": _int(1, 4096, "number of bytes"), "space": space},
            ["address", "length"]),
        _fn("mesen2.write_memory", "Write bytes into emulator memory (cheats, tests).",
            {"address": ADDRESS, "data": BYTES, "space": space}, ["address", "data"]),
        _fn("mesen2.set_breakpoint", "Set a breakpoint in the Mesen2 debugger.",
            {"address": ADDRESS, "kind": _enum(["exec", "read", "write"], "what triggers it", "exec")},
            ["address"]),
        _fn("mesen2.save_state", "Save the emulator state to a slot.", {"slot": _int(0, 9, "slot")},
            ["slot"]),
        _fn("mesen2.load_state", "Load the emulator state from a slot.", {"slot": _int(0, 9, "slot")},
            ["slot"]),
    ]


def snes_tools() -> list[dict]:
    return yaze_tools() + z3ed_tools() + mesen_tools()
