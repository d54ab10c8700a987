"""Read a domain spec (YAML) into a checked `Spec`, or stop with file:line, what was expected and the
closest known key ("did you mean ...?"). Every problem found is collected and raised once.

What it checks: the keys and their types, the answer form, each check's kind and its options (the
options each kind takes are declared in domains/spec/checks.py), relative paths resolved against the
spec's folder. What it does not: that the data files parse or the checking programs exist (gate A and
the loaders do that, with their own file:line).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.errors import UserError, did_you_mean
from core.meta import ROOT

ANSWER_FROM = ("fenced", "text", "json")
# key -> (type, help); the one list of what a spec may hold (docs/own-domain.md shows them all)
TOP = {
    "name": (str, "the domain's name: results/<name>/, adapters/<name>/ (default: the file's stem)"),
    "version": (str, "changes whenever the prompt or the checks change (gate E refuses mixed versions)"),
    "description": (str, "one line for people"),
    "train": (str, "training JSONL, relative to the spec's folder"),
    "eval": (str, "eval JSONL, relative to the spec's folder"),
    "system": (str, "the system prompt (items that carry their own system turn keep theirs)"),
    "answer": (dict, "how the answer is taken from a completion: {from: fenced|text|json, language: ...}"),
    "family_field": (str, "item field naming its family (default: one family, 'all')"),
    "style_field": (str, "item field naming its phrasing register (gate E marks held-out registers)"),
    "checks": (list, "the checks, one level each, in order"),
    "training": (dict, "training config keys (training/config.py) for this domain's default config"),
    "build": (list, "the command that rebuilds the data (make data), e.g. [python, build.py, '{out}']"),
    "demo_limit": (int, "eval items the demo scores (make demo)"),
}


@dataclass
class Spec:
    path: Path
    name: str
    version: str
    train: str
    eval: str
    system: str
    answer: dict
    checks: list
    family_field: str = ""
    style_field: str = ""
    training: dict = field(default_factory=dict)
    build: list = field(default_factory=list)
    demo_limit: int = 40
    description: str = ""

    @property
    def folder(self) -> Path:
        return self.path.parent

    def resolve(self, rel: str) -> Path:
        """A path the spec names, relative to its folder; repo-relative when it lies in the repo (results
        record it so, as they do the built-in domains' shipped data)."""
        p = self.absolute(rel)
        return p.relative_to(ROOT) if p.is_relative_to(ROOT) else p

    def absolute(self, rel: str) -> Path:
        return Path(os.path.normpath(self.folder / rel))


def _lines(node, path=(), out=None) -> dict:
    """{key path: 1-based line} for every mapping key and sequence entry of a composed YAML node."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out[path + (k.value,)] = k.start_mark.line + 1
            _lines(v, path + (k.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[path + (i,)] = v.start_mark.line + 1
            _lines(v, path + (i,), out)
    return out


class Problems:
    """Collects 'file:line: message' and raises them together."""

    def __init__(self, path: Path, lines: dict):
        self.path, self.lines, self.items = path, lines, []

    def add(self, where: tuple, message: str) -> None:
        line = self.lines.get(where) or self.lines.get(where[:-1]) or 1
        self.items.append(f"{self.path}:{line}: {message}")

    def raise_any(self) -> None:
        if self.items:
            raise UserError("bad domain spec:\n  " + "\n  ".join(self.items))


def read_yaml(path: Path) -> tuple[dict, dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read the domain spec ({exc.strerror or exc})") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise UserError(f"{path}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise UserError(f"{path}:1: expected a YAML mapping of spec keys ({', '.join(TOP)})")
    return data, _lines(node)


def _check_keys(p: Problems, where: tuple, obj: dict, known: dict, what: str) -> None:
    for key, value in obj.items():
        if key not in known:
            p.add(where + (key,), f"unknown {what} key {key!r}{did_you_mean(str(key), known)}; "
                                  f"expected one of {', '.join(known)}")
            continue
        typ = known[key][0]
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            p.add(where + (key,), f"{what} key {key!r} must be a {typ.__name__}, got {type(value).__name__}")


def _check_answer(p: Problems, answer: dict) -> None:
    src = answer.get("from", "text")
    if src not in ANSWER_FROM:
        p.add(("answer", "from"), f"answer.from {src!r}{did_you_mean(str(src), ANSWER_FROM)}; expected one "
                                  f"of {', '.join(ANSWER_FROM)}")
    for key in answer:
        if key not in ("from", "language"):
            p.add(("answer", key), f"unknown answer key {key!r}{did_you_mean(key, ('from', 'language'))}; "
                                   "expected 'from' and, for fenced answers, 'language'")
    if src == "fenced" and not isinstance(answer.get("language"), str):
        p.add(("answer",), "a fenced answer needs 'language' (the fence's tag, e.g. sql)")


def load_spec(path) -> Spec:
    from domains.spec.checks import check_options

    path = Path(path).resolve()
    data, lines = read_yaml(path)
    p = Problems(path, lines)
    _check_keys(p, (), data, TOP, "spec")
    for key in ("train", "eval", "checks"):
        if key not in data:
            p.add((), f"missing spec key {key!r}: {TOP[key][1]}")
    name = data.get("name") or path.stem
    if isinstance(name, str) and name != path.stem:
        p.add(("name",), f"name {name!r} differs from the file's stem {path.stem!r}: name the file {name}.yaml "
                         "(make finds results/<name>/ from the file name)")
    if isinstance(data.get("answer"), dict):
        _check_answer(p, data["answer"])
    checks = data.get("checks") if isinstance(data.get("checks"), list) else []
    if "checks" in data and not checks:
        p.add(("checks",), "at least one check is needed (a domain that checks nothing passes anything)")
    for i, chk in enumerate(checks):
        for msg, key in check_options(chk):
            p.add(("checks", i) + ((key,) if key else ()), f"checks[{i}]: {msg}")
    p.raise_any()
    return Spec(path=path, name=name, version=str(data.get("version") or f"{name}-spec-1"),
                train=data["train"], eval=data["eval"], system=data.get("system", ""),
                answer=data.get("answer") or {"from": "text"}, checks=checks,
                family_field=data.get("family_field", ""), style_field=data.get("style_field", ""),
                training=data.get("training") or {}, build=data.get("build") or [],
                demo_limit=data.get("demo_limit", 40), description=data.get("description", ""))
