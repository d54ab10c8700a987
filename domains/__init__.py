"""The one registry of domains: name -> "module:Class", or name -> a spec file (domains/spec/, a domain
declared in YAML). `get` also takes the path of a spec file directly (`DOMAIN=path/to/<name>.yaml`).
Adding a domain is one package under `domains/<name>/` (or one spec file) and one line here. Imports are
lazy (a domain's heavy deps load only when used) but never swallowed: a broken domain module fails
loudly when it is asked for.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from core.errors import unknown_name

DEFAULT_DOMAIN = "luanti"   # the one place the default domain is named (scripts, env, bench read it)
SPEC_SUFFIXES = (".yaml", ".yml")
REGISTRY = {
    "luanti": "domains.luanti:LuantiDomain",
    "mcp_tools": "domains.mcp_tools:McpToolsDomain",
    "threejs": "domains.threejs:ThreejsDomain",
    "unity_csharp": "domains.unity_csharp:UnityCsharpDomain",
    "flutter": "domains.flutter:FlutterDomain",
    "sql": "domains/sql/sql.yaml",
}

_cache: dict = {}


def is_spec(name: str) -> bool:
    return str(name).endswith(SPEC_SUFFIXES)


def _make(name: str):
    from domains.spec import SpecDomain

    if is_spec(name):
        return SpecDomain(name)
    target = REGISTRY[name]
    if is_spec(target):
        return SpecDomain(Path(__file__).resolve().parent.parent / target, registered_as=name)
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)()


def get(name: str):
    """The domain registered as `name`, or the one a spec file at path `name` declares."""
    name = str(name)
    key = str(Path(name).resolve()) if is_spec(name) else name
    if key not in _cache:
        if not is_spec(name) and name not in REGISTRY:
            raise unknown_name("domain", name, [*REGISTRY, "<path/to/spec.yaml>"])
        _cache[key] = _make(name)
    return _cache[key]


def folder_name(name: str) -> str:
    """The name results/ and adapters/ use for `name` (a spec file's declared name, else `name`)."""
    return get(name).name if is_spec(name) else str(name)


def from_description(desc: dict):
    """The domain a results file or checkpoint recorded (Domain.describe()): a spec domain by its file."""
    return get(desc.get("spec") if desc.get("spec") and desc["name"] not in REGISTRY else desc["name"])


def names() -> list[str]:
    return sorted(REGISTRY)
