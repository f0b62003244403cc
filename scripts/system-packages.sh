#!/usr/bin/env bash
# The Debian packages the test suite needs, installed when run as root (CI, a fresh machine).
#   scripts/system-packages.sh              browser, PDF text and fonts, for `make test`
#   scripts/system-packages.sh --services   the same, plus the databases and Redis CI runs
# Not root: says what is missing and exits 0; the tests that need it are skipped saying so.
set -euo pipefail

packages=(chromium poppler-utils fonts-dejavu-core libharfbuzz-subset0)
if [ "${1:-}" = "--services" ]; then
  packages+=(sqlite3 postgresql redis-server)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Not installed: ${missing[*]}. Tests that need them are skipped;" \
    "install with: sudo $0 ${1:-}" >&2
  exit 0
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
