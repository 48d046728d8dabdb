#!/usr/bin/env bash
# install-deps.sh -- install the Debian bookworm packages pmatomic needs, if missing
set -euo pipefail
pkgs=(clang-19 llvm-19-dev libclang-19-dev llvm-19-tools libclang-rt-19-dev
      libpmem-dev libpmemobj-dev cmake make python3 pkg-config)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
