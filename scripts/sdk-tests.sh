#!/usr/bin/env bash
# The revocation flow with real clients nobody here wrote, against `cognito-conformance serve`:
# boto3 and the AWS CLI v1 (pip, in a virtual environment), the AWS SDK for JavaScript v3 and
# aws-jwt-verify (npm ci, from the committed package-lock.json), PyJWT for offline verification
# and curl for /oauth2/revoke. Installs the pinned clients (once; later runs reuse them while the
# pins are unchanged), starts serve on a free loopback port, runs every program in sdk-tests/, stops
# serve, and exits 1 if any program failed.
#
#   bash scripts/sdk-tests.sh            # builds the debug binary if it is missing
#
# Environment:
#   CC_SDK_BIN        the cognito-conformance binary to serve with
#                     (default: ${CARGO_TARGET_DIR:-target}/debug/cognito-conformance)
#   CC_SDK_TESTS_DIR  where the venv and the pip and npm caches go (default: <repo>/.sdk-tests,
#                     gitignored; CI may cache it)
#   CC_PYTHON         the Python that makes the venv (default: python3)
#   CC_SDK_SERVE_OPTIONS  extra options for serve, e.g. "--fault revoke-by-jti" to watch the
#                     clients catch a known bug
# Nothing leaves the machine but the package downloads: serve listens on 127.0.0.1, the clients get
# dummy credentials and no AWS configuration, and proxies are switched off for them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CACHE=${CC_SDK_TESTS_DIR:-$ROOT/.sdk-tests}
PYTHON=${CC_PYTHON:-python3}
BIN=${CC_SDK_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/cognito-conformance}
VENV=$CACHE/venv
JS=$ROOT/sdk-tests/js
mkdir -p "$CACHE"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%01d s' $(($1 / 1000)) $((($1 % 1000) / 100)); }
fingerprint() { cat "$@" | sha256sum | cut -d' ' -f1; }

if [[ ! -x $BIN ]]; then
    echo "sdk-tests.sh: building $BIN"
    cargo build --locked --quiet -p cognito-conformance --bin cognito-conformance
fi

# The venv: every package pinned in requirements.txt (the whole closure, installed --no-deps so
# nothing unpinned comes in; pip check proves the closure is complete). Remade when the pins or
# the Python change.
install_python() {
    local want
    want="$(fingerprint sdk-tests/python/requirements.txt) $("$PYTHON" --version 2>&1)"
    if [[ -f $VENV/.pins && $(cat "$VENV/.pins") == "$want" ]]; then
        echo "python: venv up to date ($VENV)"
        return 0
    fi
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    PIP_CACHE_DIR=$CACHE/pip-cache "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        --no-deps -r sdk-tests/python/requirements.txt
    "$VENV/bin/pip" check --disable-pip-version-check
    echo "$want" >"$VENV/.pins"
}

# node_modules beside package.json (gitignored), from the lock file alone. npm ci starts from an
# empty node_modules each time, so it is skipped while the lock file and Node are unchanged.
install_js() {
    local want stamp=$JS/node_modules/.pins
    want="$(fingerprint "$JS/package-lock.json") $(node --version)"
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
        echo "js: node_modules up to date"
        return 0
    fi
    (cd "$JS" && npm ci --cache "$CACHE/npm-cache" --prefer-offline --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
}

T0=$(now_ms)
install_python
install_js
T_INSTALL=$(($(now_ms) - T0))
versions() {
    "$VENV/bin/python" -c 'import boto3, botocore, jwt
print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, PyJWT {jwt.__version__}")'
    "$VENV/bin/aws" --version 2>&1 | cut -d' ' -f1
    (cd "$JS" && node -p 'const p = require("./package-lock.json").packages;
["@aws-sdk/client-cognito-identity-provider", "aws-jwt-verify"]
    .map((n) => `${n} ${p["node_modules/" + n].version}`).join(", ")')
    echo "node $(node --version)"
    curl --version | head -1 | cut -d' ' -f1-2
}
echo "clients: $(versions | paste -sd, | sed 's/, */, /g')"

LOG=$(mktemp)
SERVER=
stop_server() {
    if [[ -n $SERVER ]]; then
        kill -TERM "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
        SERVER=
    fi
}
trap 'stop_server; rm -f "$LOG"' EXIT

# shellcheck disable=SC2086 # CC_SDK_SERVE_OPTIONS is a list of options
"$BIN" serve --host 127.0.0.1 --port 0 ${CC_SDK_SERVE_OPTIONS:-} >"$LOG" 2>&1 &
SERVER=$!
ENDPOINT=
for _ in $(seq 1 200); do
    ENDPOINT=$(sed -n 's/^reference target listening on //p' "$LOG")
    [[ -n $ENDPOINT ]] && break
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $ENDPOINT ]]; then
    echo "sdk-tests.sh: serve did not start:" >&2
    cat "$LOG" >&2
    exit 3
fi
echo "serve: $ENDPOINT"

# The clients' environment: dummy credentials, no AWS configuration of the user's, no proxy.
client_env=(env -u AWS_PROFILE -u AWS_SESSION_TOKEN
    -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER
    -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
    AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
    CC_SDK_ENDPOINT="$ENDPOINT" PYTHONDONTWRITEBYTECODE=1
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true)

PASSED=0
FAILED=()
run_client() {
    local name=$1
    shift
    echo
    echo "--- $name"
    if "${client_env[@]}" "$@"; then
        PASSED=$((PASSED + 1))
    else
        FAILED+=("$name")
    fi
}
T1=$(now_ms)
run_client "boto3" "$VENV/bin/python" sdk-tests/python/boto3_flow.py
run_client "AWS CLI + curl" "$VENV/bin/python" sdk-tests/python/article_flow.py
run_client "JavaScript SDK v3 + aws-jwt-verify" node "$JS/revocation-flow.mjs"
T_RUN=$(($(now_ms) - T1))
stop_server

echo
echo "sdk-tests: install $(secs "$T_INSTALL"), run $(secs "$T_RUN")"
if ((${#FAILED[@]} > 0)); then
    printf 'sdk-tests: FAILED: %s\n' "${FAILED[@]}" >&2
fi
echo "sdk-tests: ${PASSED} passed, ${#FAILED[@]} failed"
((${#FAILED[@]} == 0))
