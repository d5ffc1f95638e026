#!/usr/bin/env bash
# Installs every system package Chitin builds, tests or runs with, and nothing else.
# This file is the only list of dependencies (see DESIGN.md "Dependencies").
# Idempotent: packages already present are skipped, and apt is not touched when nothing is missing.
set -euo pipefail

packages=(
  # toolchain (clang + libclang-rt-14-dev: the `fuzz` preset's libFuzzer build)
  build-essential cmake ninja-build pkg-config clang-format git clang libclang-rt-14-dev
  # lld: the dev and asan presets link with it (their test binaries link several times faster)
  lld
  # libraries (DESIGN.md; toml++ is not among them: src/config has its own TOML parser)
  libboost-dev libcurl4-openssl-dev libssl-dev libsodium-dev libseccomp-dev
  libvectorscan-dev libyara-dev libarchive-dev libsqlite3-dev sqlite3
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev libexpected-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # tools the tests drive for real
  minisign openssl curl
  # baseline of bench/sandbox_spawn (bubblewrap with an equivalent minimal policy)
  bubblewrap
  # the web console's browser test (tests/browser: playwright-core drives Debian's chromium)
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done

# Node.js for the browser test: Debian's packages only when no node/npm is installed at all
# (a NodeSource nodejs bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
