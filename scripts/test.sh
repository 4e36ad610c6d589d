#!/usr/bin/env bash
# The project's full test command: set up what the tests need, then format check, clippy, tests,
# and the revocation flow with real SDKs against `serve` (scripts/sdk-tests.sh).
#
# Works on a fresh clone of a Debian 12 machine with Rust, python3 (with venv), node, npm and curl:
# it installs Debian's chromium (for the HTML report tests), builds the harness and installs the
# Cognito emulators with it (`cognito-conformance emulator install`), exports CC_CHROMIUM,
# CC_EMULATORS and CC_EMULATORS_DIR for the tests, and fails loudly on the first failing phase.
#
# Environment:
#   CC_EMULATORS  emulators to install before the tests, comma- or space-separated (default:
#                 moto,cognito-local,ministack,ministack-auth,aws-local-run, the table's always-tested
#                 set; set but empty: none). The tests spawn them themselves (`--spawn`), and cover
#                 the always-tested set whatever this says. fakecloud (a build of tens of minutes)
#                 is checked when its cached build is in CC_EMULATORS_DIR, and a line says so
#                 either way; naming it here builds it.
#   CC_EMULATORS_DIR  where emulators are installed (default here: <repo>/.emulators, which CI
#                 may cache; the binary's own default is the platform's cache directory)
#   CC_CHROMIUM   a Chromium binary to use instead of Debian's /usr/bin/chromium
#   CC_SDK_TESTS_DIR  where the real-SDK phase keeps its venv and pip/npm caches
#                 (default: <repo>/.sdk-tests, which CI may cache)
#   CARGO_INCREMENTAL  defaults to 0 here (a clean build needs no incremental state)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%01d s' $(($1 / 1000)) $((($1 % 1000) / 100)); }

T_START=$(now_ms)
SUMMARY=()

# phase NAME COMMAND...: runs COMMAND and prints its elapsed time. A failure anywhere in it ends
# the script (set -e), and the EXIT trap names the phase that failed.
CURRENT_PHASE=
PHASE_T0=0
on_exit() {
    local rc=$?
    if ((rc != 0)); then
        echo >&2
        if [[ -n $CURRENT_PHASE ]]; then
            echo "FAILED: $CURRENT_PHASE (exit $rc, after $(secs $(($(now_ms) - PHASE_T0))))" >&2
        else
            echo "FAILED: scripts/test.sh (exit $rc)" >&2
        fi
        echo "scripts/test.sh: stopped at the first failure; see the output above." >&2
    fi
}
trap on_exit EXIT

phase() {
    CURRENT_PHASE=$1
    shift
    echo
    echo "==> $CURRENT_PHASE"
    PHASE_T0=$(now_ms)
    "$@"
    local took
    took=$(secs $(($(now_ms) - PHASE_T0)))
    echo "<== $CURRENT_PHASE: ok in $took"
    SUMMARY+=("$(printf '%-10s %s' "$took" "$CURRENT_PHASE")")
    CURRENT_PHASE=
}

as_root() {
    if [[ $(id -u) == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo -n "$@"
    else
        echo "need root (or sudo) to run: $*" >&2
        return 1
    fi
}

install_chromium() {
    if [[ -n ${CC_CHROMIUM:-} ]]; then
        [[ -x $CC_CHROMIUM ]] || {
            echo "CC_CHROMIUM=$CC_CHROMIUM is not an executable file" >&2
            return 1
        }
        echo "using CC_CHROMIUM=$CC_CHROMIUM"
        return 0
    fi
    if [[ ! -x /usr/bin/chromium ]]; then
        command -v apt-get >/dev/null || {
            echo "/usr/bin/chromium is missing and there is no apt-get to install it; set CC_CHROMIUM" >&2
            return 1
        }
        echo "installing Debian's chromium (apt-get)"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
    fi
    export CC_CHROMIUM=/usr/bin/chromium
    "$CC_CHROMIUM" --version 2>/dev/null || true
}

# Installs the emulators concurrently (each is downloads and unpacking, mostly waiting), one log
# each, printed when it is done.
install_emulators() {
    if ((${#EMULATORS[@]} == 0)); then
        echo "CC_EMULATORS is empty: no emulator to install"
        return 0
    fi
    local logs name rc=0
    local -A pids=()
    logs=$(mktemp -d)
    for name in "${EMULATORS[@]}"; do
        "$HARNESS" emulator install "$name" >"$logs/$name.log" 2>&1 &
        pids[$name]=$!
    done
    for name in "${EMULATORS[@]}"; do
        if wait "${pids[$name]}"; then
            sed "s/^/[$name] /" "$logs/$name.log"
        else
            rc=1
            sed "s/^/[$name] /" "$logs/$name.log" >&2
            echo "[$name] install FAILED" >&2
        fi
    done
    rm -rf "$logs"
    return "$rc"
}

# fakecloud is not installed here (a build of tens of minutes): the tests check it when a cached
# build is there. Says which, visibly; the tests print the same as `targets: fakecloud NOT CHECKED`.
fakecloud_note() {
    local bin=${CC_FAKECLOUD_BIN:-$CC_EMULATORS_DIR/fakecloud/bin/fakecloud}
    if [[ -x $bin ]]; then
        echo "fakecloud: cached build $bin: the tests check it"
    else
        echo "fakecloud: NOT CHECKED this run: no cached build at $bin"
        echo "  (build it once: $HARNESS emulator install fakecloud — tens of minutes — and cache"
        echo "   $CC_EMULATORS_DIR/fakecloud, or set CC_FAKECLOUD_BIN)"
    fi
}

# The emulator list: CC_EMULATORS (commas or spaces) if set, else the default set.
read -r -a EMULATORS <<<"$(echo "${CC_EMULATORS-moto,cognito-local,ministack,ministack-auth,aws-local-run}" | tr ',' ' ')"
CC_EMULATORS=$(
    IFS=,
    echo "${EMULATORS[*]}"
)
export CC_EMULATORS
CC_EMULATORS_DIR=${CC_EMULATORS_DIR:-$ROOT/.emulators}
export CC_EMULATORS_DIR
# The debug binary the tests build anyway: built first, it installs the emulators.
HARNESS=${CARGO_TARGET_DIR:-$ROOT/target}/debug/cognito-conformance
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# A one-off build gains nothing from incremental state, which costs gigabytes of disk.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

echo "scripts/test.sh in $ROOT"
cargo --version
rustc --version
echo "CC_EMULATORS=$CC_EMULATORS"
df -h . | sed 's/^/disk: /'

phase "chromium" install_chromium
# install_chromium runs in this shell, so CC_CHROMIUM is set from here on.
export CC_CHROMIUM
echo "CC_CHROMIUM=$CC_CHROMIUM"
phase "build: cargo build --locked" cargo build --locked -p cognito-conformance --bin cognito-conformance
phase "emulators (${CC_EMULATORS:-none})" install_emulators
fakecloud_note
phase "format: cargo fmt --all -- --check" cargo fmt --all -- --check
phase "clippy: cargo clippy --workspace --all-targets --locked -- -D warnings" \
    cargo clippy --workspace --all-targets --locked -- -D warnings
# A library user's build: no clap, indicatif, aws-config or proptest.
phase "library alone: cargo clippy --lib --no-default-features --locked -- -D warnings" \
    cargo clippy -p cognito-conformance --lib --no-default-features --locked -- -D warnings
# Its documentation: the public surface alone (the front door, exit codes), every link resolving.
phase "library docs: cargo doc --no-deps --no-default-features" \
    env RUSTDOCFLAGS="-D warnings" cargo doc -p cognito-conformance --no-deps --no-default-features --locked
phase "tests: cargo test --workspace --locked" cargo test --workspace --locked
# Clients nobody here wrote (boto3, the AWS CLI, curl, the JavaScript SDK v3, aws-jwt-verify, PyJWT;
# pinned, installed into .sdk-tests/ and sdk-tests/js/node_modules) run the revocation flow
# against `serve` from the debug binary built above.
phase "real SDKs: scripts/sdk-tests.sh" env CC_SDK_BIN="$HARNESS" bash scripts/sdk-tests.sh
# The libFuzzer targets live in their own workspace (fuzz/); their corpora are replayed by the
# tests above, and this keeps the targets themselves compiling without needing cargo-fuzz.
phase "fuzz targets: cargo check --manifest-path fuzz/Cargo.toml --locked" \
    cargo check --manifest-path fuzz/Cargo.toml --locked --bins

echo
echo "scripts/test.sh: all phases passed in $(secs $(($(now_ms) - T_START)))"
printf '  %s\n' "${SUMMARY[@]}"
fakecloud_note
