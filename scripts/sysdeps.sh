#!/usr/bin/env bash
# System packages the validators need (Debian names). Used by `make test` and gate A's hint.
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
)
missing=()
for bin in "${!NEED[@]}"; do
  [ -x "$bin" ] || missing+=("${NEED[$bin]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
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
  exit 0
fi
echo "error: missing system packages: $pkgs" >&2
echo "  install them with:  sudo apt-get install -y $pkgs" >&2
echo "  (or run with WB_SKIP_SYSDEPS=1 to skip the real-Luanti-server and Unity compiler tests)" >&2
exit 1
