#!/usr/bin/env bash
# build.sh -- build each fetched real program twice (docs/real-programs.md):
#   $REAL/plain/<pkg>  clang-19 -O2, nothing else (the baseline)
#   $REAL/pma/<pkg>    clang-19 -O2 with the pmatomic plugin in whole-heap mode
#                      (-fplugin-arg-pmatomic-no-volatile-malloc), linked with
#                      libpmatomic_wholeheap
# Usage: scripts/real/build.sh BUILD [PACKAGE...]   (BUILD: pmatomic build tree)
set -euo pipefail
BUILD=$(cd "${1:?usage: build.sh BUILD [PACKAGE...]}" && pwd)
shift
REAL=${REAL:-$(cd "$(dirname "$0")/../.." && pwd)/build-real}
JOBS=${JOBS:-2}
PKGS=("$@")
[ ${#PKGS[@]} -eq 0 ] && PKGS=(pigz pbzip2 xz-utils memcached)
LLVM=/usr/lib/llvm-19/bin
PLUGIN="-fplugin=$BUILD/lib/libpmatomic.so -fplugin-arg-pmatomic-no-volatile-malloc"
WHLINK="-L$BUILD/lib -Xlinker -rpath -Xlinker $BUILD/lib -lpmatomic_wholeheap -lpthread" # no commas: xz puts LIBS through sed
[ -f "$BUILD/lib/libpmatomic_wholeheap.so" ] || { echo "build: no $BUILD/lib/libpmatomic_wholeheap.so (make build first)" >&2; exit 1; }

# srcdir -- the unpacked source of package $1
srcdir() { ls -d "$REAL/src/$1"-*/ 2>/dev/null | head -1; }

# build_one PKG VARIANT -- configure and build one copy; log in $REAL/VARIANT/PKG.log
build_one() {
  local pkg=$1 v=$2 src dst cc cxx libs
  src=$(srcdir "$pkg")
  [ -n "$src" ] || { echo "build: $pkg: not fetched (scripts/real/fetch.sh)"; return 1; }
  dst=$REAL/$v/$pkg
  if [ "$v" = pma ]; then cc="$LLVM/clang $PLUGIN"; cxx="$LLVM/clang++ $PLUGIN"; libs=$WHLINK
  else cc=$LLVM/clang; cxx=$LLVM/clang++; libs=""; fi
  rm -rf "$dst" && mkdir -p "$REAL/$v" && cp -a "$src" "$dst"
  echo "build: $pkg ($v) in $dst"
  (
    cd "$dst"
    case $pkg in
      pigz) make CC="$cc -O2" LIBS="-lm -lpthread -lz $libs" ;;
      pbzip2) make CXX="$cxx -O2 -Wno-reserved-user-defined-literal" LDLIBS="-lbz2 -lpthread $libs" ;;
      xz-utils)
        ./configure CC="$cc" CFLAGS="-O2" LIBS="$libs" --disable-shared --disable-nls --disable-doc
        make -j"$JOBS" ;;
      memcached)
        ./configure CC="$cc" CFLAGS="-O2" LIBS="$libs" --disable-docs
        make -j"$JOBS" memcached memcached-debug sizes testapp timedrun ;;
      *) echo "build: no recipe for $pkg"; exit 1 ;;
    esac
  ) > "$REAL/$v/$pkg.log" 2>&1 || { echo "build: $pkg ($v) FAILED, see $REAL/$v/$pkg.log"; tail -20 "$REAL/$v/$pkg.log"; return 1; }
}

rc=0
for p in "${PKGS[@]}"; do
  for v in ${VARIANTS:-plain pma}; do
    build_one "$p" "$v" || rc=1
  done
done
exit $rc
