"""Command-line flags renamed across the scripts: the earlier spelling still works, with a one-line note.

Standard library only, so env/gate_a.py can use it before checking the environment.
"""
from __future__ import annotations

import argparse
import sys


def renamed(p, old: str, new: str):
    """Accept the earlier spelling `old` of the option `new` (added before): same value, one note on stderr.

    argparse has no deprecated aliases before Python 3.13 (`deprecated=True`), hence this small action."""
    target = p._option_string_actions[new]

    class Renamed(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            print(f"note: {option_string} is deprecated, use {new}", file=sys.stderr)
            target(parser, namespace, values, new)

    p.add_argument(old, dest=target.dest, nargs=target.nargs, type=target.type, choices=target.choices,
                   metavar=target.metavar, action=Renamed, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
