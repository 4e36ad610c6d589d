#!/bin/bash -eu
# ClusterFuzzLite build step: builds every cargo-fuzz target in fuzz/ with the sanitizer flags the
# base image sets, then puts each binary in $OUT with its committed seed corpus next to it as
# $OUT/<target>_seed_corpus.zip, as OSS-Fuzz expects.
#
# It can be run outside Docker to check its logic: set SRC to a directory holding this repository
# as `cognito-conformance`, OUT to an empty directory, and RUSTC_BOOTSTRAP=1 when the toolchain is
# stable (AddressSanitizer needs nightly flags). CARGO_TARGET_DIR is honoured.

cd "$SRC/cognito-conformance/fuzz"
# Release with debug assertions, as `cargo fuzz run` builds by default: overflow checks stay on.
cargo fuzz build -O --debug-assertions
release="${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release"
for source in fuzz_targets/*.rs; do
  target=$(basename "$source" .rs)
  cp "$release/$target" "$OUT/"
  rm -f "$OUT/${target}_seed_corpus.zip"
  zip -q -j "$OUT/${target}_seed_corpus.zip" corpus/"$target"/*
done
