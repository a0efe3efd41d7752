#!/bin/bash
# Runs .clusterfuzzlite/build.sh the way ClusterFuzzLite's builder does (ASan + libFuzzer),
# without Docker, and checks its output: every fuzz target in $OUT with its .dict, .options and
# <stem>_seed_corpus.zip, and every target runs its seed corpus.
#
#   tests/fuzz/check_cflite_build.sh            a fresh build in a temporary directory
#   WORK=DIR tests/fuzz/check_cflite_build.sh   build in DIR/wsconform-build (kept, so a
#                                               second run only rebuilds what changed)
#
# Needs clang++-14 with libFuzzer (Debian: clang-14 libclang-rt-14-dev), cmake, ninja and the
# project's build dependencies. Exit status 0 when every check passes, 1 otherwise.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

fail() { echo "check_cflite_build: FAIL: $*" >&2; exit 1; }

# The builder's environment for --sanitizer address --engine libfuzzer (OSS-Fuzz's
# base-builder adds -stdlib=libc++ to CXXFLAGS; Debian's clang-14 builds with libstdc++).
export CC="${CC:-clang-14}"
export CXX="${CXX:-clang++-14}"
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
export SANITIZER=address FUZZING_ENGINE=libfuzzer FUZZING_LANGUAGE=c++ ARCHITECTURE=x86_64
export SRC="$scratch/src"
export OUT="$scratch/out"
export WORK="${WORK:-$scratch/work}"
mkdir -p "$SRC" "$OUT" "$WORK"
ln -s "$repo" "$SRC/wsconform"          # the Dockerfile copies the repository there
cp "$repo/.clusterfuzzlite/build.sh" "$SRC/build.sh"

command -v "$CXX" >/dev/null || fail "$CXX not found"
echo "check_cflite_build: building in $WORK"
(cd "$SRC/wsconform" && bash -eu "$SRC/build.sh") > "$scratch/build.log" 2>&1 || {
  tail -n 40 "$scratch/build.log" >&2
  fail "build.sh failed (log above)"
}

# The expected targets, from the sources (not from build.sh's own way of finding them).
stems=()
for options in "$repo"/fuzz/*.options; do
  stem="$(basename "$options" .options)"
  [ -f "$repo/fuzz/$stem.cpp" ] && stems+=("$stem")
done
[ "${#stems[@]}" -gt 0 ] || fail "no fuzz targets in $repo/fuzz"

for stem in "${stems[@]}"; do
  [ -x "$OUT/$stem" ] || fail "$OUT/$stem missing or not executable"
  for extra in "$stem.dict" "$stem.options" "${stem}_seed_corpus.zip"; do
    [ -s "$OUT/$extra" ] || fail "$OUT/$extra missing or empty"
  done
  grep -q -a "AddressSanitizer" "$OUT/$stem" || fail "$OUT/$stem is not built with ASan"
  seeds="$scratch/seeds/$stem"
  mkdir -p "$seeds"
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.testzip() is None or sys.exit("corrupt"); z.extractall(sys.argv[2])' \
    "$OUT/${stem}_seed_corpus.zip" "$seeds" || fail "${stem}_seed_corpus.zip is not a valid zip"
  count="$(find "$seeds" -type f | wc -l)"
  [ "$count" -gt 0 ] || fail "${stem}_seed_corpus.zip holds no inputs"
  # One input on its own, then the whole seed corpus (-runs=0: run each once, no fuzzing), as
  # ClusterFuzzLite does with a target before it fuzzes.
  one="$(find "$seeds" -type f | sort | head -n 1)"
  (cd "$scratch" && "$OUT/$stem" "$one") > "$scratch/$stem.one.log" 2>&1 || {
    tail -n 20 "$scratch/$stem.one.log" >&2
    fail "$stem crashed on $one"
  }
  grep -q "^Executed " "$scratch/$stem.one.log" || fail "$stem did not run $one (no libFuzzer?)"
  (cd "$scratch" && "$OUT/$stem" -runs=0 "$seeds") > "$scratch/$stem.seeds.log" 2>&1 || {
    tail -n 20 "$scratch/$stem.seeds.log" >&2
    fail "$stem failed on its seed corpus"
  }
  grep -q "INFO: Seed:" "$scratch/$stem.seeds.log" || fail "$stem is not a libFuzzer binary"
  echo "check_cflite_build: ok $stem ($count seed inputs)"
done

unexpected=()
for file in "$OUT"/*; do
  name="$(basename "$file")"
  known=0
  for stem in "${stems[@]}"; do
    case "$name" in
      "$stem" | "$stem.dict" | "$stem.options" | "${stem}_seed_corpus.zip") known=1 ;;
    esac
  done
  [ "$known" -eq 1 ] || unexpected+=("$name")
done
[ "${#unexpected[@]}" -eq 0 ] || fail "unexpected files in \$OUT: ${unexpected[*]}"
echo "check_cflite_build: ok, ${#stems[@]} targets"
