"""Argument generators and request phrasings for the shipped SNES toolset (used by builder.py).

Each tool has an argument generator `(rng) -> (args, shown)` (`args` as the gold call carries them,
`shown` the same values as a user would type them: `$7E:0010` for 0x7E0010) and clause templates, short
imperative phrases that name the server where two servers share a verb (read memory in yaze vs Mesen).
A single-call request wraps one clause in a sentence frame; a multi-step request joins several clauses
with connectives. Templates list the optional arguments they mention, so a request always says every
argument its gold call carries and nothing else.
"""
from __future__ import annotations

ROMS = ["zelda3.sfc", "roms/alttp_us.sfc", "build/hack.sfc", "oracle.sfc", "roms/alttp_jp.smc",
        "test/base.sfc", "work/patched.sfc", "hacks/goddess.sfc", "roms/randomizer_seed.sfc", "dev/rom.sfc",
        "out/build_02.sfc", "~/snes/lttp.sfc"]
WRAM_NAMED = [0x7E0010, 0x7E0011, 0x7E0020, 0x7E0022, 0x7E002F, 0x7EF36D, 0x7EF36C, 0x7EF360, 0x7EF340,
              0x7E0400, 0x7E0A20, 0x7E0B00]
ASM = [["LDA #${b:02X}", "STA ${a:06X}", "RTL"], ["LDA ${a:06X}", "CMP #${b:02X}", "BNE +", "INC ${a:06X}",
       "+", "RTL"], ["SEP #$20", "LDA #${b:02X}", "STA ${a:06X}", "RTS"], ["JSL ${a:06X}", "NOP", "RTL"],
       ["REP #$30", "LDX #${b:04X}", "STX ${a:06X}", "RTL"], ["LDA #${b:02X}", "STA $2100", "RTS"]]
ASSET_FILES = {"graphics": ("gfx", "bin"), "palettes": ("pal", "pal"), "tilemaps": ("maps", "bin"),
               "messages": ("text", "txt"), "music": ("music", "spc"), "sprites": ("sprites", "bin"),
               "dungeons": ("dungeons", "json")}
WORDS = ["link", "title", "boss", "intro", "overworld", "dungeon", "menu", "hud", "ending", "castle", "forest"]


def address(rng, wram=None):
    if wram is None:
        wram = rng.random() < 0.6
    if wram:
        a = rng.choice(WRAM_NAMED) if rng.random() < 0.3 else rng.randrange(0x7E0000, 0x800000)
    else:
        a = (rng.randrange(0x00, 0x40) << 16) | rng.randrange(0x8000, 0x10000)
    return a


def show_address(rng, a: int) -> str:
    style = rng.randrange(4)
    return [f"${a:06X}", f"0x{a:06X}", f"${a >> 16:02X}:{a & 0xFFFF:04X}", f"0x{a:06x}"][style]


def hex_bytes(rng) -> str:
    return " ".join(f"{rng.randrange(256):02X}" for _ in range(rng.randrange(1, 7)))


def _asset_path(rng, asset, prefix="out"):
    folder, ext = ASSET_FILES[asset]
    return f"{prefix}/{folder}/{rng.choice(WORDS)}_{rng.randrange(100):02d}.{ext}"


def _opt(rng, p=0.4):
    return rng.random() < p


# Each generator returns (args, shown): args go into the gold call; shown are the same values as text.
def g_read(rng, spaces, default_space):
    space = rng.choice(spaces)
    a = address(rng, wram=space in ("wram", "cpu") and rng.random() < 0.8)
    n = rng.choice([1, 2, 4, 8, 16, 32, 64, 128, 256]) if _opt(rng, 0.7) else rng.randrange(1, 513)
    args = {"address": f"0x{a:06X}", "length": n}
    shown = {"address": show_address(rng, a), "length": str(n), "space": space.upper()}
    if space != default_space or _opt(rng, 0.3):
        args["space"] = space
    return args, shown


def g_write(rng, spaces, default_space):
    args, shown = g_read(rng, spaces, default_space)
    del args["length"]
    data = hex_bytes(rng)
    args = {"address": args["address"], "data": data, **({"space": args["space"]} if "space" in args else {})}
    shown["data"] = data
    return args, shown


def g_assemble(rng):
    a, b = address(rng, wram=True), rng.randrange(256)
    origin = address(rng, wram=False)
    src = "\n".join(line.format(a=a, b=b) for line in rng.choice(ASM))
    args = {"source": src, "origin": f"0x{origin:06X}"}
    if _opt(rng, 0.3):
        args["dry_run"] = True
    return args, {"source": src, "origin": show_address(rng, origin)}


def g_address_count(rng, key, choices):
    a = address(rng, wram=key == "kind" and rng.random() < 0.7 or None)
    args, shown = {"address": f"0x{a:06X}"}, {"address": show_address(rng, a)}
    if _opt(rng, 0.6):
        v = rng.choice(choices)
        args[key], shown[key] = v, str(v)
    return args, shown


def g_rom_target(rng, targets):
    rom, t = rng.choice(ROMS), rng.choice(targets)
    return {"rom": rom, "target": t}, {"rom": rom, "target": t}


def g_extract(rng, inp=False):
    rom, asset = rng.choice(ROMS), rng.choice(list(ASSET_FILES))
    path = _asset_path(rng, asset, "edit" if inp else "out")
    args = {"rom": rom, "asset": asset, ("input" if inp else "output"): path}
    shown = {"rom": rom, "asset": asset, "path": path}
    if _opt(rng, 0.5):
        args["index"] = rng.randrange(0, 64)
        shown["index"] = str(args["index"])
    if inp and _opt(rng, 0.25):
        args["backup"] = False
    return args, shown


def g_validate(rng):
    rom = rng.choice(ROMS)
    args = {"rom": rom}
    shown = {"rom": rom}
    if _opt(rng, 0.5):
        checks = sorted(rng.sample(["checksum", "header", "pointers", "free_space"], rng.randrange(1, 3)))
        args["checks"] = checks
        shown["checks"] = " and ".join(c.replace("_", " ") for c in checks)
    return args, shown


def g_patch(rng):
    rom = rng.choice(ROMS)
    patch = f"patches/{rng.choice(WORDS)}_fix_{rng.randrange(1, 50)}.{rng.choice(['ips', 'bps'])}"
    out = f"build/{rng.choice(WORDS)}_{rng.randrange(100):02d}.sfc"
    return {"rom": rom, "patch": patch, "output": out}, {"rom": rom, "patch": patch, "output": out}


def g_free(rng):
    rom, size = rng.choice(ROMS), rng.choice([16, 32, 64, 100, 128, 256, 512, 1024, 2048, 4096])
    args, shown = {"rom": rom, "size": size}, {"rom": rom, "size": str(size)}
    if _opt(rng, 0.5):
        bank = rng.randrange(0x20, 0x40)
        args["bank"], shown["bank"] = bank, f"${bank:02X}" if rng.random() < 0.5 else str(bank)
    return args, shown


def g_load_rom(rng):
    rom = rng.choice(ROMS)
    args, shown = {"path": rom}, {"rom": rom}
    if _opt(rng, 0.3):
        args["region"] = rng.choice(["ntsc", "pal"])
        shown["region"] = args["region"].upper()
    return args, shown


def g_run(rng):
    f = rng.choice([1, 10, 30, 60, 120, 180, 300, 600, 1200, 3600]) if _opt(rng, 0.6) else rng.randrange(2, 5000)
    args, shown = {"frames": f}, {"frames": str(f)}
    if _opt(rng, 0.3):
        args["speed"] = rng.choice([25, 50, 200, 300, 400, 1000])
        shown["speed"] = str(args["speed"])
    return args, shown


def g_screenshot(rng):
    out = f"shots/{rng.choice(WORDS)}_{rng.randrange(1000):03d}.png"
    args, shown = {"output": out}, {"output": out}
    if _opt(rng, 0.4):
        args["scale"] = rng.randrange(2, 5)
        shown["scale"] = str(args["scale"])
    return args, shown


def g_slot(rng):
    s = rng.randrange(10)
    return {"slot": s}, {"slot": str(s)}


def g_step(rng):
    n = rng.choice([1, 5, 10, 20, 50, 100, 1000]) if _opt(rng, 0.6) else rng.randrange(2, 400)
    return ({"count": n}, {"count": str(n)}) if n != 1 or _opt(rng, 0.5) else ({}, {"count": "1"})


def g_regs(rng):
    regs = rng.sample(["A", "X", "Y", "S", "D", "DB", "PB", "PC", "P"], rng.randrange(1, 4))
    return {"registers": regs}, {"registers": ", ".join(regs)}


def g_reset(rng):
    kind = rng.choice(["soft", "hard"])
    return ({"kind": kind} if kind == "hard" or _opt(rng, 0.5) else {}), {"kind": kind}


# tool -> (generator, [(optional keys mentioned, clause template)])
A = "{address}"
TOOLS = {
    "yaze_debugger.read_memory": (lambda r: g_read(r, ["rom", "wram", "sram", "vram"], "rom"), [
        ((), "read {length} bytes at " + A + " in yaze"), ((), "dump {length} bytes from " + A + " with the yaze debugger"),
        (("space",), "read {length} bytes of {space} at " + A + " in yaze"),
        (("space",), "use yaze to show {length} bytes of {space} starting at " + A),
        ((), "have yaze read {length} bytes from address " + A)]),
    "yaze_debugger.write_memory": (lambda r: g_write(r, ["rom", "wram", "sram"], "rom"), [
        ((), "write {data} at " + A + " in yaze"), ((), "patch the bytes {data} into " + A + " using yaze"),
        (("space",), "write {data} to {space} address " + A + " in yaze"),
        (("space",), "in the yaze debugger, poke {data} into {space} at " + A)]),
    "yaze_debugger.assemble": (g_assemble, [
        ((), "assemble this at {origin}:\n{source}\n"), ((), "use yaze to assemble the following code at origin {origin}:\n{source}\n"),
        (("dry_run",), "do a dry-run assembly at {origin} (don't patch) of:\n{source}\n"),
        (("dry_run",), "assemble without patching, origin {origin}:\n{source}\n")]),
    "yaze_debugger.disassemble": (lambda r: g_address_count(r, "count", [4, 8, 10, 20, 32, 64]), [
        ((), "disassemble the code at " + A + " in yaze"), ((), "show me the disassembly at " + A + " in yaze"),
        (("count",), "disassemble {count} instructions at " + A + " in yaze"),
        (("count",), "use yaze to list {count} instructions starting at " + A)]),
    "yaze_debugger.set_breakpoint": (lambda r: g_address_count(r, "kind", ["exec", "read", "write"]), [
        ((), "set a breakpoint at " + A + " in yaze"), ((), "break in the yaze debugger when " + A + " executes"),
        (("kind",), "set a {kind} breakpoint on " + A + " in yaze"),
        (("kind",), "in yaze, add a breakpoint of kind {kind} at " + A)]),
    "yaze_debugger.step": (g_step, [
        ((), "step one instruction in yaze"), ((), "single-step the CPU in the yaze debugger"),
        (("count",), "step {count} instructions in yaze"), (("count",), "have yaze step the CPU {count} times")]),
    "yaze_debugger.read_registers": (g_regs, [
        ((), "read the {registers} registers in yaze"), ((), "show me the CPU registers {registers} in the yaze debugger"),
        ((), "what are {registers} right now in yaze")]),
    "z3ed_cli.inspect": (lambda r: g_rom_target(r, ["header", "dungeons", "overworld", "sprites", "palettes",
                                                    "graphics", "messages"]), [
        ((), "inspect the {target} of {rom} with z3ed"), ((), "use z3ed to look at the {target} in {rom}"),
        ((), "show the {target} structure of {rom}")]),
    "z3ed_cli.extract": (g_extract, [
        ((), "extract the {asset} from {rom} to {path}"), ((), "dump {asset} out of {rom} into {path} with z3ed"),
        (("index",), "extract {asset} entry {index} from {rom} to {path}"),
        (("index",), "use z3ed to export {asset} #{index} of {rom} as {path}")]),
    "z3ed_cli.import": (lambda r: g_extract(r, inp=True), [
        ((), "import {path} as {asset} into {rom}"), ((), "put the edited {asset} from {path} back into {rom}"),
        (("index",), "import {path} into {rom} as {asset} entry {index}"),
        (("backup",), "import {path} as {asset} into {rom} without keeping a backup"),
        (("index", "backup"), "replace {asset} #{index} in {rom} with {path}, no backup")]),
    "z3ed_cli.validate": (g_validate, [
        ((), "validate {rom}"), ((), "check that {rom} is intact with z3ed"),
        (("checks",), "run the {checks} checks on {rom}"), (("checks",), "validate the {checks} of {rom}")]),
    "z3ed_cli.apply_patch": (g_patch, [
        ((), "apply {patch} to {rom} and save it as {output}"), ((), "patch {rom} with {patch}, writing {output}"),
        ((), "use z3ed to apply the patch {patch} on {rom}, output {output}")]),
    "z3ed_cli.find_free_space": (g_free, [
        ((), "find {size} free bytes in {rom}"), ((), "look for {size} bytes of free space in {rom}"),
        (("bank",), "find {size} free bytes in bank {bank} of {rom}"),
        (("bank",), "search bank {bank} of {rom} for {size} bytes of free space")]),
    "mesen2.load_rom": (g_load_rom, [
        ((), "load {rom} in Mesen"), ((), "open {rom} in the emulator"), ((), "boot {rom} in Mesen2"),
        (("region",), "load {rom} in Mesen as {region}"), (("region",), "open {rom} in the emulator in {region} mode")]),
    "mesen2.run": (g_run, [
        ((), "run {frames} frames"), ((), "let the emulator run for {frames} frames"), ((), "advance {frames} frames in Mesen"),
        (("speed",), "run {frames} frames at {speed}% speed"), (("speed",), "emulate {frames} frames at speed {speed}")]),
    "mesen2.pause": (lambda r: ({}, {}), [((), "pause the emulator"), ((), "pause emulation in Mesen")]),
    "mesen2.reset": (g_reset, [
        ((), "soft-reset the console"), ((), "reset the emulator"),
        (("kind",), "do a {kind} reset in Mesen"), (("kind",), "{kind}-reset the emulator")]),
    "mesen2.screenshot": (g_screenshot, [
        ((), "take a screenshot to {output}"), ((), "save a screenshot of the emulator as {output}"),
        (("scale",), "take a {scale}x screenshot to {output}"), (("scale",), "capture the screen at scale {scale} into {output}")]),
    "mesen2.read_memory": (lambda r: g_read(r, ["cpu", "wram", "vram", "oam", "cgram", "aram"], "cpu"), [
        ((), "read {length} bytes at " + A + " in Mesen"), ((), "peek {length} bytes from " + A + " in the emulator"),
        (("space",), "read {length} bytes of {space} at " + A + " in Mesen"),
        (("space",), "show {length} bytes of emulator {space} memory at " + A)]),
    "mesen2.write_memory": (lambda r: g_write(r, ["cpu", "wram", "vram", "cgram"], "cpu"), [
        ((), "write {data} at " + A + " in Mesen"), ((), "poke {data} into " + A + " in the emulator"),
        (("space",), "write {data} to {space} at " + A + " in Mesen"),
        (("space",), "set the emulator's {space} bytes at " + A + " to {data}")]),
    "mesen2.set_breakpoint": (lambda r: g_address_count(r, "kind", ["exec", "read", "write"]), [
        ((), "set a breakpoint at " + A + " in Mesen"), ((), "add an emulator breakpoint at " + A),
        (("kind",), "set a {kind} breakpoint on " + A + " in Mesen"),
        (("kind",), "break on {kind} of " + A + " in the emulator")]),
    "mesen2.save_state": (g_slot, [((), "save state to slot {slot}"), ((), "save the emulator state in slot {slot}")]),
    "mesen2.load_state": (g_slot, [((), "load state slot {slot}"), ((), "restore the emulator state from slot {slot}")]),
}

# Registers (styles) of a request, recorded per item (metadata.style). "plain" and "polite" are in
# training; "chatty" (a situation, the request inside it, a sign-off) is held out of training entirely, so
# its eval items measure whether an adapter learnt the tools or the training phrasing. "forum" (forum.py,
# hand-written plain requests) is eval only too, and gate E reports it on its own line.
FRAMES = {"plain": ["{}.", "{}"],
          "polite": ["Please {}.", "Can you {}?", "I need you to {}.", "{} please.", "Could you {} for me?"]}
JOINS2 = {"plain": ["{}, then {}.", "First {}. Then {}.", "{} and after that {}."],
          "polite": ["Please {}, and then {}.", "Could you {}, then {}?", "I need you to {} and then {}."]}
JOINS3 = {"plain": ["{}, then {}, and finally {}.", "First {}. Next {}. Last, {}."],
          "polite": ["Please {}, {}, then {}.", "Could you {}, then {}, and then {}?"]}
JOINS4 = {"plain": ["First {}, then {}. After that {}, and finally {}."],
          "polite": ["Please {} first, then {}. After that {}, and finally {}."]}
CHATTY_OPEN = ["Hey! I'm chasing a glitch in my ROM hack.", "Ok so the title screen looks wrong after my last change.",
               "Quick one while I test the new dungeon.", "Hi, I'm stuck debugging the overworld code.",
               "Long night of hacking here, so bear with me.", "My patch broke something and I want to look closer."]
CHATTY_ASK = ["Would you mind if we {}?", "What I want is to {}.", "Can we {} real quick?", "Let's {}."]
CHATTY_CLOSE = ["Thanks a lot!", "Cheers.", "That would help me a ton.", "", "Thank you!"]
STYLES = ("plain", "polite", "chatty")
HELD_OUT_STYLES = ("chatty",)
