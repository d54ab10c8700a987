"""The one registry of domains: name -> "module:Class". Adding a domain is one package under
`domains/<name>/` and one line here. Imports are lazy (a domain's heavy deps load only when used) but
never swallowed: a broken domain module fails loudly when it is asked for.
"""
from __future__ import annotations

import importlib

from core.errors import unknown_name

REGISTRY = {
    "luanti": "domains.luanti:LuantiDomain",
    "mcp_tools": "domains.mcp_tools:McpToolsDomain",
    "threejs": "domains.threejs:ThreejsDomain",
    "unity_csharp": "domains.unity_csharp:UnityCsharpDomain",
    "flutter": "domains.flutter:FlutterDomain",
}

_cache: dict = {}


def get(name: str):
    if name not in REGISTRY:
        raise unknown_name("domain", name, REGISTRY)
    if name not in _cache:
        module, cls = REGISTRY[name].split(":")
        _cache[name] = getattr(importlib.import_module(module), cls)()
    return _cache[name]


def names() -> list[str]:
    return sorted(REGISTRY)
