#!/usr/bin/env bash
# Installs dist/autoheal_*.deb on a fresh Debian 12 root
# (/work/shared/tools/fresh_debian.sh, or FRESH_DEBIAN) and checks it there:
# apt-get install ./dist/autoheal_*.deb; `autoheal validate` on the
# installed policy; the autoheal user; the receiver started as that user from
# the unit's ExecStart= line and EnvironmentFile (no systemd in a chroot)
# answers GET /; systemd-analyze verify on the installed unit; every library
# the programs load belongs to a package the .deb's Depends bring in.
#
#   bash scripts/package.sh && bash tests/packaging/fresh_root_test.sh
# Needs root and the Debian mirror (apt-get in the root). Label: packaging.
set -euo pipefail
cd "$(dirname "$0")/../.."
FRESH_DEBIAN=${FRESH_DEBIAN:-/work/shared/tools/fresh_debian.sh}
ls dist/autoheal_*.deb >/dev/null || { echo "no dist/autoheal_*.deb: run scripts/package.sh" >&2; exit 1; }
bash "$FRESH_DEBIAN" build >/dev/null
# dist/ is git-ignored, and fresh_debian.sh copies what git sees: hand it a
# directory of its own with the package and the inside script.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
mkdir -p "$src/dist" "$src/tests/packaging"
cp dist/autoheal_*.deb "$src/dist/"
cp tests/packaging/fresh_root_inside.sh "$src/tests/packaging/"
bash "$FRESH_DEBIAN" run "$src" 'bash tests/packaging/fresh_root_inside.sh'
