"""The plain-request slice of the mcp_tools eval set (register `forum`, eval only; used by builder.py).

Requests written by hand the way a ROM hacker asks on a forum: no tool names, no argument list, counts in
words, the program named as people name it ("the emulator", "yaze", "z3ed"), one line each, each in its
own wording (not the clause templates of phrasing.py). Each states every argument its gold calls carry
that has no default; arguments left unsaid are either absent from the gold call or at their schema
default, which the scorer fills in (scoring.normalise_args), so an answer that omits them or spells the
default out both match. Paths, addresses and frame counts are chosen not to occur in the generated data,
so the builder's leak audit keeps train and eval apart without dropping any training item.
"""
from __future__ import annotations

# (family, request, gold calls in order)
FORUM = [
    ("single", "how do I peek at sixteen bytes of WRAM at $7E:0DF0 in the emulator? pretty sure the sprite timer lives there",
     [("mesen2.read_memory", {"address": "0x7E0DF0", "length": 16, "space": "wram"})]),
    ("single", "what's the way to see the first twenty instructions at 0x02C4A0 in yaze? I want the disassembly",
     [("yaze_debugger.disassemble", {"address": "0x02C4A0", "count": 20})]),
    ("single", "my hack's header looks off, can z3ed just show me the header of hacks/moonlight.sfc?",
     [("z3ed_cli.inspect", {"rom": "hacks/moonlight.sfc", "target": "header"})]),
    ("single", "Is there a way to find three hundred free bytes in work/forest_fix.sfc, in bank thirty-three if possible?",
     [("z3ed_cli.find_free_space", {"rom": "work/forest_fix.sfc", "size": 300, "bank": 33})]),
    ("single", "I want to stick EA EA into WRAM at $7E:1F40 while the game runs in Mesen to skip a check, how?",
     [("mesen2.write_memory", {"address": "0x7E1F40", "data": "EA EA", "space": "wram"})]),
    ("single", "Could somebody grab a double-size screenshot from the emulator and save it as shots/bridge_glitch.png?",
     [("mesen2.screenshot", {"output": "shots/bridge_glitch.png", "scale": 2})]),
    ("multi", "how do I dump the palettes of roms/dawn.sfc to work/pal/dawn.pal and then import that file back into the same ROM?",
     [("z3ed_cli.extract", {"rom": "roms/dawn.sfc", "asset": "palettes", "output": "work/pal/dawn.pal"}),
      ("z3ed_cli.import", {"rom": "roms/dawn.sfc", "asset": "palettes", "input": "work/pal/dawn.pal"})]),
    ("multi", "patch base/clean.sfc with patches/qol.bps into out/qol.sfc, then make sure the patched one is valid",
     [("z3ed_cli.apply_patch", {"rom": "base/clean.sfc", "patch": "patches/qol.bps", "output": "out/qol.sfc"}),
      ("z3ed_cli.validate", {"rom": "out/qol.sfc"})]),
    ("multi", "in yaze, what are the two WRAM bytes at $7E:0C4A? after that I'd like them overwritten with 00 00",
     [("yaze_debugger.read_memory", {"address": "0x7E0C4A", "length": 2, "space": "wram"}),
      ("yaze_debugger.write_memory", {"address": "0x7E0C4A", "data": "00 00", "space": "wram"})]),
    ("multi", "hard reset the console and let it go for four thousand three hundred frames",
     [("mesen2.reset", {"kind": "hard"}), ("mesen2.run", {"frames": 4300})]),
    ("multi", "In Mesen I need it to stop when something writes to $7E:0F80, then run nine hundred frames so it trips",
     [("mesen2.set_breakpoint", {"address": "0x7E0F80", "kind": "write"}), ("mesen2.run", {"frames": 900})]),
    ("sequence", "load games/lttp_test.sfc in the emulator, play three thousand and one frames and screenshot it to shots/after_intro.png",
     [("mesen2.load_rom", {"path": "games/lttp_test.sfc"}), ("mesen2.run", {"frames": 3001}),
      ("mesen2.screenshot", {"output": "shots/after_intro.png"})]),
    ("sequence", "anyone know how to apply fixes/speed.ips to roms/moon.sfc as out/moon_fast.sfc, open that in Mesen and run thirty-six hundred frames?",
     [("z3ed_cli.apply_patch", {"rom": "roms/moon.sfc", "patch": "fixes/speed.ips", "output": "out/moon_fast.sfc"}),
      ("mesen2.load_rom", {"path": "out/moon_fast.sfc"}), ("mesen2.run", {"frames": 3600})]),
    ("sequence", "yaze question: break when the code at $00:8A10 runs, step ten instructions, then show me A, X and Y",
     [("yaze_debugger.set_breakpoint", {"address": "0x008A10"}), ("yaze_debugger.step", {"count": 10}),
      ("yaze_debugger.read_registers", {"registers": ["A", "X", "Y"]})]),
    ("sequence", "open build/forum_test.sfc in the emulator, put a breakpoint on $02:A1B0, run two hundred and three frames, then read eight bytes at $7E:0010",
     [("mesen2.load_rom", {"path": "build/forum_test.sfc"}), ("mesen2.set_breakpoint", {"address": "0x02A1B0"}),
      ("mesen2.run", {"frames": 203}), ("mesen2.read_memory", {"address": "0x7E0010", "length": 8})]),
]
