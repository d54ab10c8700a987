"""Ingest the Three.js seed's two layouts into the project's JSONL (family `scene`, empty spec).

* a folder: `<name>.md` descriptions and `<name>_module.js` code, anywhere below it (the seed keeps them
  in two folders: image_to_prompt/screenshots/ and training/extracted_scripts/), paired by base name;
  unpaired files are reported by name (never dropped silently), and a base name found twice is an error;
* `training_data.json`: a JSON list of {"description", "code", "filename", "md_file"?, "js_file"?}.
Bad input is a DataError with file:line (for the JSON list, the line where the bad entry starts).
The seed's items carry no scene spec, so meets_spec holds trivially for them: check-refs on the output
reports how far each reference gets (extracts .. renders); example code that loads textures or models
renders blank or fails here (no such files are served), and is reported as such.
Split: 85/15 by a hash of the base name (deterministic; the same name is always on the same side).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.errors import DataError, UserError
from core.files import atomic_write_json, atomic_write_jsonl

SEED_LICENSE = "as the seed's owner states (three.js examples are MIT; descriptions unknown)"
SUFFIX = "_module.js"


def read_folder(root: Path) -> tuple[list[dict], dict]:
    mds, jss = _by_name(root, "*.md", ".md"), _by_name(root, f"*{SUFFIX}", SUFFIX)
    items = []
    for name in sorted(mds.keys() & jss.keys()):
        desc = mds[name].read_text(encoding="utf-8", errors="replace").strip()
        code = jss[name].read_text(encoding="utf-8", errors="replace")
        if not desc:
            raise DataError(mds[name], 1, "empty description")
        if not code.strip():
            raise DataError(jss[name], 1, "empty module")
        items.append(_item(desc, code, name, f"{mds[name]} + {jss[name]}"))
    unpaired = {"md_without_module": sorted(str(mds[n]) for n in mds.keys() - jss.keys()),
                "module_without_md": sorted(str(jss[n]) for n in jss.keys() - mds.keys())}
    return items, unpaired


def _by_name(root: Path, pattern: str, suffix: str) -> dict:
    out = {}
    for p in sorted(root.rglob(pattern)):
        if suffix == ".md" and p.name.endswith(SUFFIX):
            continue
        if p.name.lower() == "readme.md":
            continue
        name = p.name[: -len(suffix)]
        if name in out:
            raise DataError(p, 1, f"base name {name!r} also at {out[name]}; names must be unique to pair")
        out[name] = p
    return out


def read_json_list(path: Path) -> list[dict]:
    """Entries of the seed's training_data.json, each checked, with the line it starts on."""
    text = path.read_text(encoding="utf-8")
    dec = json.JSONDecoder()
    i = _skip(text, 0)
    if i >= len(text) or text[i] != "[":
        raise DataError(path, _line(text, i), "expected a JSON list of {description, code, filename} objects")
    items, i = [], _skip(text, i + 1)
    while i < len(text) and text[i] != "]":
        line = _line(text, i)
        try:
            obj, i = dec.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise DataError(path, exc.lineno, f"bad JSON: {exc.msg}") from None
        items.append(_checked(path, line, obj))
        i = _skip(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip(text, i + 1)
        elif i < len(text) and text[i] != "]":
            raise DataError(path, _line(text, i), "expected ',' or ']' after an entry")
    if i >= len(text):
        raise DataError(path, _line(text, i), "the list is not closed with ']'")
    return items


def _checked(path, line, obj) -> dict:
    if not isinstance(obj, dict):
        raise DataError(path, line, f"entry must be an object, got {type(obj).__name__}")
    for key in ("description", "code"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise DataError(path, line, f"entry lacks a non-empty string {key!r}; expected description, code, filename")
    name = obj.get("filename") or Path(str(obj.get("js_file", ""))).name.removesuffix(SUFFIX) or f"line{line}"
    return _item(obj["description"].strip(), obj["code"], str(name), f"{path}:{line}")


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _line(text: str, i: int) -> int:
    return text.count("\n", 0, i) + 1


def _item(desc: str, code: str, name: str, source: str) -> dict:
    return {"family": "scene", "instruction": desc, "input": "", "output": code.rstrip() + "\n", "spec": {},
            "kind": f"seed:{name}", "source": source, "license": SEED_LICENSE}


def prepare(path: Path, out_dir: Path) -> dict:
    if path.is_dir():
        items, unpaired = read_folder(path)
    elif path.is_file():
        items, unpaired = read_json_list(path), {}
    else:
        raise UserError(f"{path}: no such file or folder (a seed folder of .md + {SUFFIX}, or training_data.json)")
    if not items:
        raise UserError(f"{path}: no description/code pairs found" + (f"; unpaired: {unpaired}" if unpaired else ""))
    side = lambda it: int(hashlib.sha1(it["kind"].encode()).hexdigest(), 16) % 100 < 15  # noqa: E731
    train, eval_ = [it for it in items if not side(it)], [it for it in items if side(it)]
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_jsonl(out_dir / "train.jsonl", train)
    atomic_write_jsonl(out_dir / "eval.jsonl", eval_)
    stats = {"source": str(path), "pairs": len(items), "train": len(train), "eval": len(eval_),
             "unpaired": unpaired, "out": str(out_dir)}
    atomic_write_json(out_dir / "stats.json", stats)
    return stats
