"""SQLite queries from a model, run read-only with a time limit, and their rows compared the way Spider and
BIRD judge text-to-SQL (execution accuracy).

The database is a `.sql` script (schema and rows, text the project can diff) materialised once into a
cache file named by its hash, or a ready `.sqlite`/`.db` file. A query runs on a connection opened
`mode=ro&immutable=1` with an authorizer that allows reading only (no writes, PRAGMA, ATTACH, or any
statement but SELECT/WITH), a progress handler that interrupts it after `timeout` seconds, a cap on
string/blob length and at most MAX_ROWS result rows. What it does not do: compare column names (only
values, in order), or treat equivalent float roundings as equal beyond 6 decimals.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import tempfile
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

from domains.base import ToolMissing

MAX_ROWS = 10_000
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


class QueryError(Exception):
    def __init__(self, status: str, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


@lru_cache(maxsize=8)
def database_file(path: str) -> str:
    """A read-only database file for `path` (a .sql script is built once into the temp dir)."""
    src = Path(path)
    if not src.exists():
        raise ToolMissing(f"{src}: database not found (make data builds it)")
    if src.suffix != ".sql":
        return str(src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"wb-sql-{src.stem}-{digest}.sqlite"
    if not out.exists():
        tmp = out.with_suffix(f".{id(out)}.tmp")
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(tmp)
        con.executescript(src.read_text(encoding="utf-8"))
        con.commit()
        con.close()
        tmp.replace(out)
    return str(out)


def _authorize(action, *_):
    return sqlite3.SQLITE_OK if action in _ALLOWED else sqlite3.SQLITE_DENY


def _connect(db: str, timeout: float):
    con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    con.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000)
    con.set_authorizer(_authorize)
    deadline = time.monotonic() + timeout
    con.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    return con


def _classify(exc: Exception, stage: str) -> QueryError:
    msg = str(exc)
    if "interrupted" in msg:
        return QueryError("timeout", "the query ran over its time limit")
    if isinstance(exc, sqlite3.Warning) or "one statement at a time" in msg:
        return QueryError("syntax_error", "more than one statement (one SELECT expected)")
    if "syntax error" in msg or "incomplete input" in msg or "unrecognized token" in msg:
        return QueryError("syntax_error", msg)
    if "not authorized" in msg:
        return QueryError("compile_error", "only reading queries are allowed (SELECT / WITH)")
    return QueryError("compile_error" if stage == "prepare" else "runtime_error", msg)


def prepare(db_path: str, query: str, timeout: float = 5.0) -> None:
    """Compile the query without running it (EXPLAIN); raises QueryError."""
    con = _connect(database_file(db_path), timeout)
    try:
        con.execute("EXPLAIN " + query.strip().rstrip(";")).fetchall()
    except (sqlite3.Error, sqlite3.Warning) as exc:
        raise _classify(exc, "prepare") from exc
    finally:
        con.close()


def run(db_path: str, query: str, timeout: float = 5.0) -> list[tuple]:
    """The query's rows; raises QueryError."""
    con = _connect(database_file(db_path), timeout)
    try:
        rows = con.execute(query.strip().rstrip(";")).fetchmany(MAX_ROWS + 1)
    except (sqlite3.Error, sqlite3.Warning) as exc:
        raise _classify(exc, "run") from exc
    finally:
        con.close()
    if len(rows) > MAX_ROWS:
        raise QueryError("resource_limit", f"more than {MAX_ROWS} rows")
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows]


def ordered(query: str) -> bool:
    """Whether the outer query has ORDER BY (then row order counts)."""
    depth, text = 0, re.sub(r"'(?:[^']|'')*'", "''", query)
    for m in re.finditer(r"[()]|\border\s+by\b", text, re.I):
        tok = m.group(0)
        depth += tok == "("
        depth -= tok == ")"
        if depth == 0 and tok not in "()":
            return True
    return False


def same_rows(got: list[tuple], want: list[tuple], order: bool) -> bool:
    return got == want if order else Counter(got) == Counter(want)
