#!/usr/bin/env bash
# run_consumer.sh BUILD_DIR SCRATCH CONSUMER_SRC MPIEXEC CMAKE
set -eu
build=$1 scratch=$2 src=$3 mpiexec=$4 cmake=$5
rm -rf "$scratch"
prefix=$scratch/prefix
"$cmake" --install "$build" --prefix "$prefix" >/dev/null

version=$("$prefix/bin/conflux" --version | head -n1)
[[ $version =~ ^conflux\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "FAIL: installed conflux --version printed '$version'"; exit 1; }
for f in include/conflux/conflux.h include/conflux/cfxversion.h lib/cmake/conflux/confluxConfig.cmake lib/pkgconfig/conflux.pc; do
  [[ -f $prefix/$f ]] || { echo "FAIL: $f not installed"; exit 1; }
done

# 1. CMake package
"$cmake" -S "$src" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$prefix" >"$scratch/configure.log" 2>&1 || { cat "$scratch/configure.log"; exit 1; }
"$cmake" --build "$scratch/build" >"$scratch/build.log" 2>&1 || { cat "$scratch/build.log"; exit 1; }
out=$("$mpiexec" -n 2 --oversubscribe "$scratch/build/consumer")
echo "$out"
grep -q "consumer: linked conflux .* on 2 ranks" <<<"$out" || { echo "FAIL: CMake consumer output"; exit 1; }

# 2. pkg-config
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
# shellcheck disable=SC2046
cc -o "$scratch/consumer_pc" "$src/consumer.c" $(pkg-config --cflags --libs conflux)
out=$("$mpiexec" -n 2 --oversubscribe "$scratch/consumer_pc")
grep -q "consumer: linked conflux .* on 2 ranks" <<<"$out" || { echo "FAIL: pkg-config consumer output: $out"; exit 1; }
echo "ok: installed tree works through find_package(conflux) and pkg-config"
