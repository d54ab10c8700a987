"""YAML or command-line values -> the type a dataclass field declares (TRL's, PEFT's, the workbench's).

Why not HfArgumentParser.parse_dict: it hands values to the dataclass as they are (a YAML `1e-4` is a string
there) and stops at the first problem; the workbench reports every problem of a config at once, naming the
key and what was expected.
"""
from __future__ import annotations

import enum
import json
import types
import typing

from core.errors import did_you_mean

TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0")


def hints(cls) -> dict:
    return typing.get_type_hints(cls)


def value(tp, raw, key: str = ""):
    """`raw` as type `tp`; ValueError saying what was expected."""
    if key == "bf16" and tp is str:  # the workbench's tri-state: auto | true | false (YAML booleans too)
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw).lower()
        if text not in ("auto",) + TRUE + FALSE:
            raise ValueError(f"expected auto, true or false, got {raw!r}")
        return "auto" if text == "auto" else ("true" if text in TRUE else "false")
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        enums = [a for a in rest if isinstance(a, type) and issubclass(a, enum.Enum)]
        if enums and isinstance(raw, str):  # e.g. `SchedulerType | str`: a name of the enum, said by key
            return value(enums[0], raw, key)
        if str in rest and isinstance(raw, str):
            return raw
        errors = []
        for option in rest:
            try:
                return value(option, raw, key)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if errors else f"unexpected value {raw!r}")
    if origin is typing.Literal:
        if raw not in args:
            raise ValueError(f"expected one of {', '.join(map(str, args))}, got {raw!r}"
                             f"{did_you_mean(str(raw), [str(a) for a in args])}")
        return raw
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        names = [m.value for m in tp]
        if raw not in names:
            raise ValueError(f"expected one of {', '.join(map(str, names))}, got {raw!r}"
                             f"{did_you_mean(str(raw), [str(n) for n in names])}")
        return raw
    if origin is list:
        items = [s.strip() for s in raw.split(",") if s.strip()] if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"expected a list, got {raw!r}")
        return [value(args[0], x, key) if args else x for x in items]
    if origin is dict or tp is dict:
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise ValueError(f"expected a mapping (YAML or JSON), got {raw!r}") from None
        if not isinstance(raw, dict):
            raise ValueError(f"expected a mapping, got {raw!r}")
        return raw
    return _scalar(tp, raw)


def _scalar(tp, raw):
    if tp is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in TRUE + FALSE:
            return raw.lower() in TRUE
        raise ValueError(f"expected true or false, got {raw!r}")
    if tp is int:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError(f"expected an integer, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected an integer, got {raw!r}") from None
    if tp is float:
        if isinstance(raw, bool):
            raise ValueError(f"expected a number, got {raw!r}")
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {raw!r}") from None
    if tp is str:
        if isinstance(raw, list):  # YAML lists for layers and the like
            return ",".join(str(v) for v in raw)
        return "" if raw is None else str(raw)
    return raw  # any other type (e.g. a nested config object): TRL's class checks it
