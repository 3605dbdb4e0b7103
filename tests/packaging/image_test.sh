#!/usr/bin/env bash
# Builds the Dockerfile offline with podman and checks that the receiver in
# the image answers GET /. Nothing is pulled: debian:12-slim is imported from
# fresh_debian.sh's pristine Debian 12 tarball. The receiver is started
# with the image's binary on a loopback port (host network), not the
# ENTRYPOINT's 0.0.0.0. About 50 s with podman installed. buildah may print
# a Go panic when the trap kills `buildah run`: that is its teardown.
#
#   bash scripts/package.sh && bash tests/packaging/image_test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*" >&2; exit 1; }
FRESH_DEBIAN=${FRESH_DEBIAN:-/work/shared/tools/fresh_debian.sh}
FRESH_DIR=${FRESH_DIR:-$HOME/.cache/autoheal-fresh/bookworm}
export DEBIAN_FRONTEND=noninteractive
for pkg in podman buildah; do
  command -v "$pkg" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends podman buildah; }
done
ls dist/autoheal_*.deb >/dev/null || fail "no dist/autoheal_*.deb: run scripts/package.sh"
bash "$FRESH_DEBIAN" build >/dev/null
tarball="$FRESH_DIR/$(sed -n 's/^tarball=//p' "$FRESH_DIR/pristine.info")"
zstd -dc "$tarball" | podman import - debian:12-slim
podman build --isolation chroot --network host -t autoheal:test .
port=$((20000 + RANDOM % 20000))
ctr=$(buildah from autoheal:test)
trap 'kill "$pid" 2>/dev/null || true; buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah run --isolation chroot --network host --user autoheal "$ctr" -- \
  /usr/bin/autoheal-webhook --listen "127.0.0.1:$port" --state-path /var/lib/autoheal/state.db &
pid=$!
for _ in $(seq 1 50); do
  out=$(exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && cat <&3) && break
  sleep 0.2
done
echo "${out:-}" | head -n1 | grep -q ' 200 ' || fail "GET / did not answer 200"
echo PASS
