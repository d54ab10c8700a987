"""Command-line flags that belong to one domain (Domain.script_options), added to a script's parser so
they show in its --help, and handed to the chosen domain only.

A flag given with a domain that does not declare it for this script is a UserError naming the domain
that does. Reading the options imports each registered domain's class (not its heavy validators) and
never a spec file: spec domains declare no flags.
"""
from __future__ import annotations

import importlib

from core.errors import UserError


def _declared(script: str) -> dict:
    """{registered name: (Option, ...)} for the built-in domains that add flags to `script`."""
    import domains

    out = {}
    for name, target in domains.REGISTRY.items():
        if domains.is_spec(target):
            continue
        module, cls = target.split(":")
        opts = getattr(getattr(importlib.import_module(module), cls), "script_options", {}).get(script, ())
        if opts:
            out[name] = tuple(opts)
    return out


def add_options(parser, script: str) -> None:
    for name, opts in _declared(script).items():
        group = parser.add_argument_group(f"{name} options (only with --domain {name})")
        for o in opts:
            kw = {"action": "store_true"} if o.type is None else {"type": o.type, "metavar": o.dest.upper()}
            group.add_argument(o.flag, dest=o.dest, default=None, help=o.help, **kw)


def chosen(args, domain, script: str) -> dict:
    """{dest: value} of the domain flags set on the command line; UserError for another domain's flag."""
    out = {}
    mine = {o.dest for o in type(domain).script_options.get(script, ())}
    for name, opts in _declared(script).items():
        for o in opts:
            value = getattr(args, o.dest, None)
            if value in (None, False):
                continue
            if o.dest not in mine:
                raise UserError(f"{o.flag} is an option of the {name} domain, not of {domain.name!r}")
            out[o.dest] = value
    return out
