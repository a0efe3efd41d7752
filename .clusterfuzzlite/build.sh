#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script (run by the builder image's `compile`).
#
# In: $CXX, $CXXFLAGS (sanitizer and coverage flags: the whole build is instrumented),
#     $LIB_FUZZING_ENGINE (what the fuzz targets link with), $SRC (the repository is
#     $SRC/wsconform, see Dockerfile), $WORK (scratch), $OUT; WSCONFORM_CMAKE_ARGS (optional:
#     where the Dockerfile put Boost, OpenSSL and CLI11).
# Out: for every fuzz target <stem>: $OUT/<stem>, $OUT/<stem>.dict, $OUT/<stem>.options and
#     $OUT/<stem>_seed_corpus.zip (its compiled seeds and regressions).
#
# The sources are only read (coverage reports need them). tests/fuzz/check_cflite_build.sh
# runs this script without Docker.

# The physical path, and the working directory too: CMake rewrites paths under the physical
# working directory to $PWD's spelling, which through a symlinked source tree (as
# tests/fuzz/check_cflite_build.sh makes) changes from run to run and breaks a reused $WORK.
src="$(cd "${WSCONFORM_SRC:-$SRC/wsconform}" && pwd -P)"
cd "$src"
build="$WORK/wsconform-build"

# CMAKE_BUILD_TYPE=None: no optimisation or NDEBUG flags of CMake's; the builder's flags only.
# The flags are passed explicitly (not only through the environment) so a reused $WORK picks
# up the current ones.
# shellcheck disable=SC2086 # WSCONFORM_CMAKE_ARGS is a list of arguments
cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DWSCONFORM_BUILD_TESTS=OFF \
  -DWSCONFORM_FUZZ=ON \
  -DWSCONFORM_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  ${WSCONFORM_CMAKE_ARGS:-}

# The targets are the stems whose .options CMake copied into the build: fuzz/CMakeLists.txt's
# WSCONFORM_FUZZ_TARGETS, without a second list to keep in step.
stems=()
for options in "$build"/fuzz/*.options; do
  stem="$(basename "$options" .options)"
  stems+=("$stem")
done
if [ "${#stems[@]}" -eq 0 ]; then
  echo "build.sh: no fuzz targets configured in $build/fuzz" >&2
  exit 1
fi

targets=()
for stem in "${stems[@]}"; do
  targets+=(--target "fuzz_$stem" --target "fuzz_${stem}_corpus")
done
cmake --build "$build" --parallel "$(nproc)" "${targets[@]}"

for stem in "${stems[@]}"; do
  cp "$build/fuzz/$stem" "$build/fuzz/$stem.options" "$OUT/"
  if [ -f "$build/fuzz/$stem.dict" ]; then
    cp "$build/fuzz/$stem.dict" "$OUT/"
  fi
  # Seeds and regressions in one flat zip (python3: the builder image has no zip by default).
  python3 - "$OUT/${stem}_seed_corpus.zip" "$build/fuzz/corpus/$stem" \
    "$build/fuzz/regressions/$stem" <<'PY'
import os, sys, zipfile
target, *folders = sys.argv[1:]
with zipfile.ZipFile(target + ".tmp", "w", zipfile.ZIP_DEFLATED) as archive:
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        prefix = "regression-" if os.path.basename(os.path.dirname(folder)) == "regressions" else ""
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                archive.write(path, prefix + name)
os.replace(target + ".tmp", target)
PY
done
echo "build.sh: ${#stems[@]} fuzz targets in $OUT: ${stems[*]}"
