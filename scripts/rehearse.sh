#!/usr/bin/env bash
# The AWS rehearsal in one command: builds the harness, starts `serve --aws-rehearsal` on a free
# loopback port, runs the suite against it with `--target aws` exactly as against Cognito (the
# shared credentials file the rehearsal wrote, its CA through --ca-bundle, AWS's own host names
# resolved to it through --rehearsal), stops the rehearsal, and exits with the run's exit code.
#
#   bash scripts/rehearse.sh [RUN OPTIONS...]     e.g. --filter revoke --report-dir reports
#
# Environment: CC_REHEARSAL_OPTIONS, extra options for `serve --aws-rehearsal` (e.g.
# "--latency 40 --domain-delay 60"). Nothing leaves the machine: every AWS name resolves to
# 127.0.0.1 and every other name fails to resolve.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet --bin cognito-conformance
BIN=$ROOT/target/release/cognito-conformance

STATE=$(mktemp -d)
SERVER=
cleanup() {
    if [[ -n $SERVER ]]; then
        kill -TERM "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$STATE"
}
trap cleanup EXIT

# shellcheck disable=SC2086 # CC_REHEARSAL_OPTIONS is a list of options
"$BIN" serve --aws-rehearsal --port 0 --state-dir "$STATE/state" ${CC_REHEARSAL_OPTIONS:-} >"$STATE/serve.log" 2>&1 &
SERVER=$!
ADDR=
for _ in $(seq 1 100); do
    ADDR=$(sed -n 's/^AWS rehearsal listening on //p' "$STATE/serve.log")
    [[ -n $ADDR ]] && break
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $ADDR ]]; then
    echo "rehearse.sh: the rehearsal did not start:" >&2
    cat "$STATE/serve.log" >&2
    exit 3
fi
echo "rehearse.sh: AWS rehearsal on $ADDR"

set +e
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_WEB_IDENTITY_TOKEN_FILE \
    -u AWS_ROLE_ARN -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI -u AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONFIG_FILE="$STATE/no-config" AWS_SHARED_CREDENTIALS_FILE="$STATE/state/credentials" \
    AWS_PROFILE=rehearsal AWS_EC2_METADATA_DISABLED=true \
    "$BIN" run --target aws --region us-east-1 --create-aws-resources \
    --ca-bundle "$STATE/state/ca.pem" --rehearsal "$ADDR" "$@"
CODE=$?
set -e
exit "$CODE"
