"""The Flutter seed's `data.json` -> items (one per Dart file) and the seed's SFT, chat and DPO sets.

    .venv/bin/python scripts/prepare_data.py --domain flutter --input data.json --out data/flutter_seed

Input: a JSON list of data sets (or {"datasets": [...]}), each {dataset_name, metadata, instructions:
[{instruction, input, output}]}, `output` in one of the shapes such files have:
* {"project_structure": {folder: {...}, "file.dart": "text"}}: one item per `.dart` file, its input the
  metadata, the project's file tree and the file's path; other files (pubspec.yaml, assets, README) are
  not trained on: they are listed in the file tree every item of that project shows, and counted;
* a single-file object {"code", "description", "dependencies", "usage"} or {"code", "description",
  "features"}: one item, the description and dependencies in its input;
* a plain string: one item if it holds Dart code, else a defect.
File text written with escaped newlines and quotes (`\\n`, `\\"` and no real newline) is unescaped, counted.
Each item records the project's declared `dependencies` where the data states them: the package names
under `dependencies`/`dev_dependencies` of the project's pubspec.yaml plus its own `name` (a file may
import its own package), or a single-file object's `dependencies` list; the validator then refuses an
import of any other package (a pubspec that does not parse: none recorded, counted).

Shape errors stop with the file, the data set and the path inside it (`data.json: data set 'todo' (#3),
instruction 2: project_structure/lib/main.dart: expected file text or a folder, got int`). Quality
defects load and are counted in report.json: repeated instructions (kept once per data set name + path),
Dart that does not parse (kept, marked `gold_defect`), outputs without Dart code, empty files.
Exports: sft.jsonl (instruction, input, output), chat.jsonl (messages), dpo.jsonl (prompt, chosen,
rejected: the file as chosen, the same file with its last closing brace cut as rejected, which fails
the parses level). Split 85/15 by data set (a project never straddles train and eval).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from core.errors import DataError
from core.files import atomic_write_json, atomic_write_jsonl

SPLIT_EVAL = 0.15


def read_seed(path: Path) -> list:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(path, None, "file not found") from None
    except json.JSONDecodeError as exc:
        raise DataError(path, exc.lineno, f"invalid JSON ({exc.msg})") from None
    data = data.get("datasets") if isinstance(data, dict) else data
    if not isinstance(data, list):
        raise DataError(path, None, "expected a list of data sets (or {\"datasets\": [...]})")
    return data


def unescape(text: str, counts: Counter) -> str:
    if "\n" not in text and ("\\n" in text or '\\"' in text):
        counts["unescaped_files"] += 1
        return (text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", "\t")
                .replace('\\"', '"').replace("\\'", "'"))
    return text


def walk_tree(node, where: str, prefix: str = ""):
    """(path, text) of every file in a nested project_structure; DataError(where + path) on bad nodes."""
    for name, value in node.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from walk_tree(value, where, path + "/")
        elif isinstance(value, str):
            yield path, value
        elif value is None:
            yield path, ""
        else:
            raise ValueError(f"{where}: project_structure/{path}: expected file text or a folder, "
                             f"got {type(value).__name__}")


def _files(output, where: str) -> tuple[list[tuple[str, str]], str]:
    """(files, extra context) of one instruction's output, whatever its shape."""
    if isinstance(output, str):
        from domains.flutter.validate import extract

        code = extract(output)
        return ([("main.dart", code)] if code is not None else [("answer.txt", output)]), ""
    if not isinstance(output, dict):
        raise ValueError(f"{where}: output: expected a project_structure, a code object or a string, "
                         f"got {type(output).__name__}")
    if "project_structure" in output:
        if not isinstance(output["project_structure"], dict):
            raise ValueError(f"{where}: project_structure: expected folders and files, got "
                             f"{type(output['project_structure']).__name__}")
        return list(walk_tree(output["project_structure"], where)), ""
    if isinstance(output.get("code"), str):
        extra = [f"{k.capitalize()}: {json.dumps(output[k]) if not isinstance(output[k], str) else output[k]}"
                 for k in ("description", "dependencies", "features", "usage") if output.get(k)]
        return [("main.dart", output["code"])], "\n".join(extra)
    raise ValueError(f"{where}: output: an object needs 'project_structure' or a string 'code' "
                     f"(keys: {sorted(output)})")


def declared_dependencies(output, files: list[tuple[str, str]], counts: Counter) -> list[str] | None:
    """The packages an instruction's project declares (module docstring), or None when it states none."""
    import yaml

    if isinstance(output, dict) and "code" in output:
        deps = output.get("dependencies")
        if isinstance(deps, dict):
            return sorted(deps)
        return sorted({d for d in deps if isinstance(d, str)}) if isinstance(deps, list) else None
    pubspecs = sorted((p.count("/"), p, t) for p, t in files if p.rsplit("/", 1)[-1] == "pubspec.yaml")
    if not pubspecs:
        return None
    try:
        spec = yaml.safe_load(unescape(pubspecs[0][2], counts))
    except yaml.YAMLError:
        spec = None
    if not isinstance(spec, dict):
        counts["pubspec_unreadable"] += 1
        return None
    names = {str(spec["name"])} if spec.get("name") else set()
    for key in ("dependencies", "dev_dependencies"):
        names |= set(map(str, spec.get(key) or {})) if isinstance(spec.get(key), dict) else set()
    return sorted(names)


def _context(meta: dict, tree: list[str], path: str, extra: str) -> str:
    lines = [f"{k.replace('_', ' ').capitalize()}: {v if isinstance(v, str) else json.dumps(v)}"
             for k, v in (meta or {}).items()]
    if len(tree) > 1:
        lines.append("Project files:\n" + "\n".join(f"  {p}" for p in tree))
    if extra:
        lines.append(extra)
    lines.append(f"Write the file: {path}")
    return "\n".join(lines)


def flatten(path: Path, datasets: list) -> tuple[list[dict], dict]:
    """Items (one per Dart file) and the counts of what was read, left aside and why."""
    from domains.flutter import dart
    from domains.loading import mark_duplicate, mark_gold_defect

    counts, non_dart, items, seen = Counter(), Counter(), [], {}
    for i, ds in enumerate(datasets, 1):
        if not isinstance(ds, dict) or not isinstance(ds.get("instructions"), list):
            raise DataError(path, None, f"data set #{i}: expected {{dataset_name, metadata, instructions: [...]}}")
        name = str(ds.get("dataset_name") or f"dataset-{i}")
        counts["datasets"] += 1
        for j, ins in enumerate(ds["instructions"], 1):
            where = f"data set {name!r} (#{i}), instruction {j}"
            if not isinstance(ins, dict) or not isinstance(ins.get("instruction"), str):
                raise DataError(path, None, f"{where}: expected an object with a string 'instruction'")
            try:
                files, extra = _files(ins.get("output"), where)
            except ValueError as exc:
                raise DataError(path, None, str(exc)) from None
            counts["instructions"] += 1
            tree = [p for p, _ in files]
            dart_files = [(p, unescape(t, counts)) for p, t in files if p.endswith(".dart")]
            for p, _ in files:
                if not p.endswith(".dart"):
                    non_dart[Path(p).suffix or Path(p).name] += 1
            declared = {p: set(dart.facts(dart.parse(t)).classes) for p, t in dart_files}
            deps = declared_dependencies(ins.get("output"), files, counts)
            if not dart_files:
                counts["outputs_without_dart"] += 1
            for p, text in dart_files:
                if not text.strip():
                    counts["empty_files"] += 1
                    continue
                key = hashlib.sha1(f"{ins['instruction']}\0{p}".encode()).hexdigest()[:12]
                item = {"id": f"{name}-{j}-{p}", "family": "project", "instruction": ins["instruction"],
                        "input": _context(ds.get("metadata") or {}, tree, p, extra), "output": text,
                        "spec": {"classes": sorted(declared[p])}, "path": p, "dataset": name,
                        "context_symbols": sorted(set().union(*[d for q, d in declared.items() if q != p])),
                        **({"dependencies": deps} if deps is not None else {})}
                if key in seen:
                    counts["repeated_instruction_files"] += 1
                    mark_duplicate(item, seen[key], None)   # the line is known once loaded
                seen.setdefault(key, item["id"])
                if dart.parse(text).root_node.has_error:
                    counts["dart_not_parsing"] += 1
                    mark_gold_defect(item, "syntax_error", "parses",
                                     f"{where}: {p}: " + "; ".join(dart.syntax_errors(dart.parse(text), 2)))
                items.append(item)
    counts["dart_files"] = len(items)
    return items, {"counts": dict(counts), "non_dart_files": dict(non_dart),
                   "non_dart_use": "listed in the project's file tree in every item's input; not trained on"}


def exports(items: list[dict]) -> dict:
    from domains.flutter import prompt

    good = [it for it in items if "gold_defect" not in it and "duplicate_of" not in it]
    sft = [{"instruction": it["instruction"], "input": it["input"], "output": it["output"]} for it in good]
    chat = [{"messages": [{"role": "system", "content": prompt.SYSTEM},
                          {"role": "user", "content": prompt.user_message(it["instruction"], it["input"])},
                          {"role": "assistant", "content": f"```dart\n{it['output'].rstrip()}\n```"}]} for it in good]
    dpo = []
    for it in good:
        cut = it["output"].rstrip()
        if cut.endswith("}"):
            dpo.append({"prompt": prompt.user_message(it["instruction"], it["input"]),
                        "chosen": f"```dart\n{cut}\n```", "rejected": f"```dart\n{cut[:-1].rstrip()}\n```"})
    return {"sft": sft, "chat": chat, "dpo": dpo}


def prepare(path: Path, out_dir: Path) -> dict:
    items, report = flatten(path, read_seed(path))
    if not items:
        raise DataError(path, None, "no Dart file found in any data set")

    def side(it) -> str:
        h = int(hashlib.sha1(it["dataset"].encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        return "eval" if h < SPLIT_EVAL else "train"
    train = [it for it in items if side(it) == "train"]
    eval_ = [it for it in items if side(it) == "eval"]
    sets = exports(train)
    out_dir = Path(out_dir)
    atomic_write_jsonl(out_dir / "train.jsonl", train)
    atomic_write_jsonl(out_dir / "eval.jsonl", eval_)
    for name, rows in sets.items():
        atomic_write_jsonl(out_dir / f"{name}.jsonl", rows)
    report.update(source=str(path), train=len(train), eval=len(eval_), out=str(out_dir),
                  exports={k: len(v) for k, v in sets.items()})
    atomic_write_json(out_dir / "report.json", report)
    return report
