"""cs_repair items: a reference script broken by one realistic mistake, the real compiler error, the fix.

Mistakes (MISTAKES): misspelt Unity members (`Time.deltatime`, `Destory`, `transform.Position`, ...) and
a missing `using` (System.Collections for a coroutine, UnityEngine.UI for a Text/Image). Only breaks that
Mono's mcs really rejects become items; the error text in the instruction is mcs's own, with the file
called Script.cs. The answer is the whole fixed script (the reference).
"""
from __future__ import annotations

import random
import re

from domains.unity_csharp import compiler

MISTAKES = (
    ("Time.deltaTime", "Time.deltatime"), ("Destroy(", "Destory("), ("transform.position", "transform.Position"),
    ("Instantiate(", "Instanciate("), ("StartCoroutine(", "StartCorutine("), ("Vector3.up", "Vector3.Up"),
    ("Debug.LogError(", "Debug.LogErr("), ("SetActive(", "setActive("), ("GetComponent<", "GetComponentt<"),
    ("Mathf.", "Math."), ("CompareTag(", "CompareTags("), ("Input.GetAxis(", "Input.GetAxes("),
    ("using System.Collections;\n", ""), ("using UnityEngine.UI;\n", ""), ("PlayClipAtPoint(", "PlayClipAt("),
)
INSTRUCTION = "This Unity script does not compile. Mono's C# compiler says:\n{errors}\nFix the script."


def breakages(code: str, rng: random.Random) -> list[tuple[str, str]]:
    """The mistakes that apply to this script, in a seeded order."""
    found = [(old, new) for old, new in MISTAKES if old in code]
    rng.shuffle(found)
    return found


def errors_in_rounds(codes: list[str], rounds: int = 6) -> list[list[dict]]:
    """Each script's compile errors, from a few batch runs: mcs reports only the first failing phase
    of a batch, so the scripts without errors yet go round again; the rest are compiled alone."""
    errors: list = [[] for _ in codes]
    todo = list(range(len(codes)))
    for _ in range(rounds):
        if not todo:
            break
        for group in _distinct_classes(todo, codes):
            for i, errs in zip(group, compiler.batch_errors([codes[i] for i in group])):
                errors[i] = errs
        left = [i for i in todo if not errors[i]]
        if len(left) == len(todo):
            break
        todo = left
    for i in todo:
        errors[i] = compiler.compile_cs(codes[i])["errors"]
    return errors


def _distinct_classes(indices: list[int], codes: list[str]) -> list[list[int]]:
    """Indices in groups where no two scripts declare the same class (a batch would report CS0101)."""
    groups: list = []
    for i in indices:
        name = re.search(r"\bclass (\w+)", codes[i]).group(1)
        g = next((g for g in groups if name not in g[1]), None)
        if g is None:
            groups.append(g := ([], set()))
        g[0].append(i)
        g[1].add(name)
    return [g[0] for g in groups]


def repair_items(sources: list[dict], want: int, rng: random.Random) -> list[dict]:
    """Up to `want` cs_repair items from ir_to_cs items (each used once, one mistake each)."""
    picks = []
    for src in sources:
        muts = breakages(src["output"], rng)
        if muts:
            old, new = muts[0]
            picks.append((src, src["output"].replace(old, new, 1)))
        if len(picks) >= want * 2:
            break
    errors = errors_in_rounds([broken for _, broken in picks])
    items = []
    for (src, broken), errs in zip(picks, errors):
        if not errs:
            continue
        text = "\n".join(f"Script.cs({e['line']},{e['col']}): error {e['code']}: {e['msg']}" for e in errs[:3])
        items.append({"family": "cs_repair", "instruction": INSTRUCTION.format(errors=text), "input": broken,
                      "output": src["output"], "ir": src["ir"], "kind": src["kind"], "source": src["source"],
                      "license": src["license"], "_errors": text})   # for the builder's registers (phrasing.py)
        if len(items) >= want:
            break
    return items
