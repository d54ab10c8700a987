#!/usr/bin/env bash
# Re-resolve the CPU lock: install env/cpu.in into a scratch venv and freeze it.
#   bash env/lock.sh cpu
# (The GPU lock is resolved for Linux x86_64 without installing: see env/resolve_gpu_lock.py.)
set -euo pipefail
[ "${1:-cpu}" = "cpu" ] || { echo "usage: env/lock.sh cpu" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
python3 -m venv "$TMP/venv"
"$TMP/venv/bin/python" -m pip install --quiet -r "$ROOT/env/cpu.in"
{ sed -n '1,5p' "$ROOT/env/cpu.lock"; "$TMP/venv/bin/python" -m pip freeze --exclude-editable | sed 's/+cpu$//' | sort -f; } > "$TMP/cpu.lock"
mv "$TMP/cpu.lock" "$ROOT/env/cpu.lock"
echo "wrote env/cpu.lock"
