"""Files that are never half-written, and JSONL that reports bad lines by file and line.

* `atomic_write_*`: write to a temp file in the same folder, fsync, then rename. A reader sees the old
  file or the new one, never a torn one.
* `read_jsonl`: strict reader for inputs (data sets): every problem names the file and the line.
* `AppendLog`: the resumable output of long jobs (generations, scores). One JSON object per line,
  flushed and fsynced per record; on reopen a torn last line (kill -9 mid-write) is cut off, so a
  rerun neither loses a finished record nor repeats it.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator

from core.errors import DataError, UserError
from core.meta import ROOT


def shipped(rel: str) -> str:
    """A repo-relative path of data the project ships (a domain's default train/eval file): as given when
    it exists from the working directory (runs from the repo root record it so), else under the repo root,
    so a script started from another folder still finds its defaults. '' stays ''."""
    if not rel or Path(rel).is_absolute() or Path(rel).exists() or not (ROOT / rel).exists():
        return rel
    return str(ROOT / rel)


MAX_LINE_BYTES = 8 * 1024 * 1024  # a single line larger than this is refused, not loaded


def _io_error(path: Path, exc: OSError) -> UserError:
    if exc.errno == errno.ENOSPC:
        return UserError(f"{path}: disk full while writing; nothing was replaced. Free space and rerun.")
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return UserError(f"{path}: cannot write here ({exc.strerror}); choose a writable output folder.")
    return UserError(f"{path}: {exc.strerror or exc}")


def atomic_write_bytes(path, data: bytes) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _io_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _io_error(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def atomic_write_jsonl(path, rows) -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    return atomic_write_text(path, text)


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_json(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(path, None, f"not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise DataError(path, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from exc


def iter_jsonl(path) -> Iterator[tuple[int, dict]]:
    """Yield (line_number, object) for every non-blank line; raise DataError on the first bad one."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "file not found")
    seen = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if len(raw) > MAX_LINE_BYTES:
                raise DataError(path, lineno, f"line is {len(raw):,} bytes; expected a JSON object under "
                                              f"{MAX_LINE_BYTES:,} bytes")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(path, lineno, f"not UTF-8 (bad byte at column {exc.start + 1})") from exc
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DataError(path, lineno, f"invalid JSON: {exc.msg} at column {exc.colno}; "
                                              "expected one JSON object per line") from exc
            if not isinstance(obj, dict):
                raise DataError(path, lineno, f"expected a JSON object, got {type(obj).__name__}")
            seen += 1
            yield lineno, obj
    if seen == 0:
        raise DataError(path, None, "empty file: expected one JSON object per line")


def read_jsonl(path) -> list[dict]:
    return [obj for _, obj in iter_jsonl(path)]


class AppendLog:
    """Append-only JSONL for resumable jobs. Records are keyed; `done` holds the keys already written."""

    def __init__(self, path, key):
        self.path = Path(path)
        self.key = key
        self.records: list[dict] = []
        self.done: set = set()
        self._recover()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab")
        except OSError as exc:
            raise _io_error(self.path, exc) from exc

    def _recover(self):
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        good = data.rfind(b"\n") + 1  # everything after the last newline is a torn write
        if good != len(data):
            with open(self.path, "r+b") as fh:
                fh.truncate(good)
        for line in data[:good].splitlines():
            if line.strip():
                rec = json.loads(line)
                k = self.key(rec)
                if k not in self.done:
                    self.done.add(k)
                    self.records.append(rec)

    def append(self, rec: dict):
        k = self.key(rec)
        if k in self.done:
            return
        line = (json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        try:
            self._fh.write(line)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise _io_error(self.path, exc) from exc
        self.done.add(k)
        self.records.append(rec)

    def close(self):
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
