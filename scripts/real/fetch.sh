#!/usr/bin/env bash
# fetch.sh -- fetch the Debian bookworm source packages of the real programs
# (docs/real-programs.md) into $REAL/src, and install what building them needs.
#
# Adds its own deb-src entry (/etc/apt/sources.list.d/pmatomic-deb-src.sources,
# the same archive as the machine's deb entries), runs apt-get update and
# `apt-get source`.  Nothing fetched here is ever committed: $REAL is
# build-real/ (git-ignored) unless set.  A package the archive does not serve
# is reported and skipped; the exit status says whether anything failed.
# Usage: scripts/real/fetch.sh [PACKAGE...]   (default: all of them)
set -uo pipefail
REAL=${REAL:-$(cd "$(dirname "$0")/../.." && pwd)/build-real}
PKGS=("$@")
[ ${#PKGS[@]} -eq 0 ] && PKGS=(pbzip2 memcached xz-utils pigz)
# build dependencies, named explicitly (apt-get build-dep would also pull
# debhelper & co. that a plain ./configure && make does not need)
DEPS=(dpkg-dev build-essential libbz2-dev libevent-dev zlib1g-dev perl python3)

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
src=/etc/apt/sources.list.d/pmatomic-deb-src.sources
if ! grep -qs "^Types: deb-src" /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null; then
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  uri=${uri:-http://deb.debian.org/debian}
  echo "fetch: adding $src (deb-src $uri bookworm bookworm-updates main)"
  $SUDO tee "$src" >/dev/null <<SRC
Types: deb-src
URIs: $uri
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $SUDO apt-get update -qq || { echo "fetch: apt-get update failed (no network to the archive?)" >&2; exit 1; }
fi
missing=()
for p in "${DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fetch: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    { echo "fetch: cannot install ${missing[*]}" >&2; exit 1; }
fi

mkdir -p "$REAL/src"
rc=0
for p in "${PKGS[@]}"; do
  if ls -d "$REAL/src/$p"-*/ >/dev/null 2>&1; then
    echo "fetch: $p: already in $REAL/src"
    continue
  fi
  echo "fetch: apt-get source $p"
  if (cd "$REAL/src" && apt-get source -qq "$p" > "$REAL/src/$p.fetch.log" 2>&1) &&
     ls -d "$REAL/src/$p"-*/ >/dev/null 2>&1; then
    echo "fetch: $p: $(ls -d "$REAL/src/$p"-*/ | head -1)"
  else
    echo "fetch: $p: UNAVAILABLE: $(grep -m1 -E '^E:' "$REAL/src/$p.fetch.log")"
    rc=1
  fi
done
exit $rc
