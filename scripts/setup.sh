#!/usr/bin/env bash
# Installs the Debian 12 packages autoheal needs to build, test and run.
# Idempotent: packages already installed are skipped, and apt is not touched
# when nothing is missing. Runs as root, or through sudo when available.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ninja-build
  libabsl-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev
  libcli11-dev  # both binaries' command lines (header-only)
  libmicrohttpd-dev prometheus-cpp-dev
  nettle-dev  # SHA-256 of the policy digest
  libsqlite3-dev
  libre2-dev  # label patterns: linear-time matching
  # the CLI's HTTP client (src/net/http_fetch.h): doctor and backtest
  libcurl4-openssl-dev
  # the receiver's fast body parse (src/receiver/fast_payload.h): simdjson's
  # DOM parser, about twice as fast as nlohmann on a storm notification
  libsimdjson-dev
  prometheus-alertmanager
  # promtool and prometheus, the blackbox exporter: the example stack's
  # checks and the chaos run. Their packages install services; Debian's
  # container images (policy-rc.d) do not start them.
  prometheus prometheus-blackbox-exporter
  openssl curl wrk
  # bench/load.sh's peer: adnanh/webhook, the Debian webhook runner
  webhook
  clang libclang-rt-14-dev  # libFuzzer and sanitizers: the fuzz tree (fuzz/)
  libhiredis-dev redis-server
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup: missing packages (${missing[*]}) and not root; rerun as root or install sudo" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
