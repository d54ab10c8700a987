#!/usr/bin/env bash
# System packages the validators need (Debian names), and the npm packages pinned by each domain's
# domains/*/js/package-lock.json (installed with `npm ci`, exactly the lock). Used by `make test` and gate A's hint.
#   bash scripts/sysdeps.sh check     -> lists what is missing, exit 1 if anything is
#   bash scripts/sysdeps.sh ensure    -> installs what is missing when run as root with apt-get,
#                                        else says exactly what to run and exits 1
# Set WB_SKIP_SYSDEPS=1 to run the tests without them (the tests that need them are then skipped,
# and say so).
set -euo pipefail
MODE="${1:-check}"
# binary -> Debian package(s)
declare -A NEED=(
  [/usr/lib/minetest/minetestserver]="minetest-server minetest-data"
  [/usr/bin/mcs]="mono-mcs"
  [/usr/bin/chromium]="chromium"
)
# node (any >= 18) may come from elsewhere than Debian; only when none is on PATH is Debian's asked for
command -v node >/dev/null || NEED[/usr/bin/node]="nodejs npm"
# npm lock files whose node_modules are missing or older than the lock
stale_locks() {
  for lock in "$(dirname "$0")"/../domains/*/js/package-lock.json; do
    [ -f "$lock" ] || continue
    local mods; mods="$(dirname "$lock")/node_modules/.package-lock.json"
    { [ -f "$mods" ] && [ "$mods" -nt "$lock" ]; } || echo "$(dirname "$lock")"
  done
}
npm_ci() {
  local dir
  for dir in $(stale_locks); do
    echo "==> npm ci in $dir (the pinned JavaScript packages of a validator)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  done
}
missing=()
for bin in "${!NEED[@]}"; do
  [ -x "$bin" ] || missing+=("${NEED[$bin]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  if [ -n "$(stale_locks)" ]; then
    if [ "$MODE" = "ensure" ]; then npm_ci; exit 0; fi
    if [ "${WB_SKIP_SYSDEPS:-0}" = "1" ]; then echo "warning: npm packages not installed; tests that need them are skipped" >&2; exit 0; fi
    echo "error: npm packages not installed (or older than their lock): $(stale_locks | tr '\n' ' ')" >&2
    echo "  install them with:  bash scripts/sysdeps.sh ensure   (npm ci in each folder)" >&2
    exit 1
  fi
  exit 0
fi
pkgs="$(printf '%s ' "${missing[@]}")"
if [ "${WB_SKIP_SYSDEPS:-0}" = "1" ]; then
  echo "warning: system packages missing ($pkgs); WB_SKIP_SYSDEPS=1 so the tests that need them are skipped" >&2
  exit 0
fi
if [ "$MODE" = "ensure" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "==> installing Debian packages the validators need: $pkgs"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
  npm_ci
  exit 0
fi
echo "error: missing system packages: $pkgs" >&2
echo "  install them with:  sudo apt-get install -y $pkgs" >&2
echo "  (or run with WB_SKIP_SYSDEPS=1 to skip the tests that need these system packages)" >&2
exit 1
