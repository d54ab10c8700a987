"""User-facing errors.

A `UserError` is a problem the user can fix (bad input file, unknown name, contradictory settings).
Entry scripts catch it, print one clear message and exit with code 2; anything else is a bug and keeps
its traceback.
"""
from __future__ import annotations

import difflib


class UserError(Exception):
    """A problem in the user's input, worded so the user can fix it."""

    exit_code = 2


class DataError(UserError):
    """Bad data: always names the file and, where there is one, the line."""

    def __init__(self, path, line: int | None, message: str):
        self.path, self.line = str(path), line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


def did_you_mean(name: str, known) -> str:
    """' (did you mean 'x'?)' for the closest known name, or ''."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_name(kind: str, name: str, known) -> UserError:
    known = sorted(known)
    return UserError(f"unknown {kind} {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}")
