#!/usr/bin/env bash
# Builds the Debian package dist/autoheal_<version>_<arch>.deb: a Release
# build of autoheal-webhook and autoheal, packed by CPack's DEB generator
# (cmake/AutohealPackaging.cmake, packaging/), then checked with lintian.
# Installs what it needs from Debian's packages first (scripts/setup.sh, and
# the packaging tools below; idempotent).
#
#   sudo bash scripts/package.sh
#   PACKAGE_BUILD_DIR=/tmp/b DIST_DIR=/tmp/dist bash scripts/package.sh
#
# Then: tests/packaging/fresh_root_test.sh (install on a fresh Debian 12)
# and tests/packaging/image_test.sh (the container image).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2

# Packaging only: dpkg-shlibdeps (dpkg-dev), lintian.
PACKAGING_TOOLS=(dpkg-dev lintian)
missing=()
for pkg in "${PACKAGING_TOOLS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  echo "package.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

BUILD_DIR="${PACKAGE_BUILD_DIR:-build-package}"
DIST_DIR="${DIST_DIR:-dist}"
JOBS="${JOBS:-$(nproc)}"

# AUTOHEAL_REQUIRE_ALL: fail the configure when an optional part is missing
# (CMake only warns that it is unused on a tree that has no such option).
# No tests, benchmarks or library install rules: the package holds the two
# programs and packaging/ only.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DAUTOHEAL_REQUIRE_ALL=ON -DAUTOHEAL_PACKAGE=ON \
      -DAUTOHEAL_BUILD_EXAMPLES=ON -DAUTOHEAL_BUILD_RECEIVER=ON \
      -DAUTOHEAL_BUILD_TESTS=OFF -DAUTOHEAL_BUILD_BENCHMARKS=OFF \
      -DAUTOHEAL_INSTALL=OFF >&2
cmake --build "$BUILD_DIR" --parallel "$JOBS" --target autoheal_package_files >&2

out="$(cd "$BUILD_DIR" && pwd)/cpack"
rm -rf "$out"
(cd "$BUILD_DIR" && cpack -G DEB -B "$out") >&2
debs=("$out"/*.deb)
[ "${#debs[@]}" -eq 1 ] && [ -f "${debs[0]}" ] ||
  { echo "package.sh: expected one .deb in $out, got: ${debs[*]}" >&2; exit 1; }
mkdir -p "$DIST_DIR"
deb="$DIST_DIR/$(basename "${debs[0]}")"
cp -f "${debs[0]}" "$deb"

# lintian: errors fail the build; warnings are printed.
echo "package.sh: lintian $deb" >&2
lintian --fail-on error --no-tag-display-limit "$deb" >&2
echo "$deb"
