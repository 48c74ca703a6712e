#!/usr/bin/env bash
# Builds the decoder fuzz target with clang's libFuzzer and runs it for a bounded number of
# inputs. Exits 77 (ctest: skipped) when clang++ or libFuzzer is not on the machine.
set -euo pipefail
src="$1"
out="$2"
runs="${FUZZ_RUNS:-200000}"
command -v clang++ >/dev/null || { echo "clang++ not found: fuzzing skipped"; exit 77; }
mkdir -p "$out/corpus"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -DMSGPACK_DEFAULT_API_VERSION=3 -I"$src")
if ! clang++ "${flags[@]}" "$src/tests/fuzz/decoder_fuzz.cpp" "$src/messages/decimal.cpp" \
     "$src/messages/json_codec.cpp" "$src/messages/msgpack_codec.cpp" \
     -lsimdjson -o "$out/decoder_fuzz" 2>"$out/build.log"; then
  if grep -q "fuzzer" "$out/build.log"; then
    echo "libFuzzer not available: fuzzing skipped"; cat "$out/build.log"; exit 77
  fi
  cat "$out/build.log"; exit 1
fi
# Bounded in count and time; a crash or sanitizer report fails the test.
"$out/decoder_fuzz" -runs="$runs" -max_len=512 -max_total_time=120 -seed=1 "$out/corpus"
