#!/usr/bin/env bash
# Install, start, stop and probe the Cognito emulators the harness is run against, on loopback only.
#
# The versions, commands and ports are those of shared/emulators.md. Everything lives under
# <repo>/.emulators/<name>/ (or $CC_EMULATORS_DIR/<name>/):
#   installed            marker: the pinned version and install spec (a change re-installs)
#   venv/ | npm/ | bin/  the emulator itself
#   state-<port>/        its state, made fresh at every start
#   <port>.log <port>.pid  for `start`/`stop`/`status`
#
# `exec NAME PORT` replaces this shell with the emulator (same PID), so a caller that spawned
# `bash scripts/emulators.sh exec ...` can stop the emulator by killing the PID it got.
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd)
EMU_DIR=${CC_EMULATORS_DIR:-$ROOT/.emulators}
READY_TIMEOUT=${CC_EMULATOR_READY_TIMEOUT:-30}
STOP_TIMEOUT=${CC_EMULATOR_STOP_TIMEOUT:-10}
PYTHON=${CC_PYTHON:-python3}

NAMES=(moto cognito-local ministack aws-local-run fakecloud)
DEFAULT_SET=(moto cognito-local ministack)

usage() {
    cat >&2 <<EOF
usage: scripts/emulators.sh COMMAND NAME [--port P]

commands:
  install NAME           install the pinned version (idempotent; re-installs when the pin changed)
  start NAME [--port P]  install if missing, start in the background on 127.0.0.1:P, wait until ready
  stop NAME [--port P]   stop the emulator started by 'start' (by its PID file)
  status NAME [--port P] installed version and whether it runs and answers; exit 0 if so, else 3
  exec NAME PORT         install if missing, then replace this process by the emulator (foreground)
  path NAME              print the emulator's install directory

names: ${NAMES[*]}, or all-default (= ${DEFAULT_SET[*]}) for install, start, stop and status
default ports: moto 5000, cognito-local 9229, ministack 4566, aws-local-run 4570, fakecloud 4568

environment:
  CC_EMULATORS_DIR           where emulators live (default: <repo>/.emulators)
  CC_EMULATOR_READY_TIMEOUT  seconds 'start' waits for readiness (default 30)
  CC_EMULATOR_STOP_TIMEOUT   seconds 'stop' waits after SIGTERM before SIGKILL (default 10)
  CC_FAKECLOUD_BIN           a fakecloud binary to use instead of building one (the build is slow)
  CC_PYTHON                  the Python that creates the venvs (default: python3)
EOF
    exit 1
}

log() { printf 'emulators: %s\n' "$*" >&2; }
die() {
    printf 'emulators: error: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
# What each emulator is

version_of() {
    case $1 in
    moto) echo 5.2.5 ;;
    cognito-local) echo 5.3.0 ;;
    ministack) echo 1.5.33 ;;
    aws-local-run) echo 1.1.0 ;;
    fakecloud) echo 0.51.0 ;;
    esac
}

default_port_of() {
    case $1 in
    moto) echo 5000 ;;
    cognito-local) echo 9229 ;;
    ministack) echo 4566 ;;
    aws-local-run) echo 4570 ;;
    fakecloud) echo 4568 ;;
    esac
}

# What gets installed; recorded in the marker, so changing it re-installs.
install_spec_of() {
    case $1 in
    moto) echo "pip moto[server,cognitoidp]==5.2.5" ;;
    cognito-local) echo "npm cognito-local@5.3.0" ;;
    # Without cryptography, ministack signs tokens with a key no JWT library can load.
    ministack) echo "pip ministack==1.5.33 cryptography" ;;
    # requests is an undeclared dependency of aws-local-run.
    aws-local-run) echo "pip aws-local-run==1.1.0 requests" ;;
    fakecloud) echo "cargo fakecloud 0.51.0" ;;
    esac
}

is_name() {
    local n
    for n in "${NAMES[@]}"; do [[ $1 == "$n" ]] && return 0; done
    return 1
}

dir_of() { echo "$EMU_DIR/$1"; }
marker_of() { echo "$EMU_DIR/$1/installed"; }

expected_marker() { printf '%s\n%s\n' "$(version_of "$1")" "$(install_spec_of "$1")"; }

marker_matches() {
    local m
    m=$(marker_of "$1")
    [[ -f $m ]] && [[ "$(cat "$m")" == "$(expected_marker "$1")" ]]
}

# The fakecloud binary to run: $CC_FAKECLOUD_BIN, else the cached/built one.
fakecloud_bin() {
    if [[ -n ${CC_FAKECLOUD_BIN:-} ]]; then
        echo "$CC_FAKECLOUD_BIN"
    else
        echo "$(dir_of fakecloud)/bin/fakecloud"
    fi
}

is_installed() {
    local name=$1
    if [[ $name == fakecloud ]]; then
        [[ -n ${CC_FAKECLOUD_BIN:-} ]] && return 0
        local m
        m=$(marker_of fakecloud)
        # A cached binary without a marker (restored from a cache, say) is taken as it is.
        [[ -x "$(fakecloud_bin)" ]] && { [[ ! -f $m ]] || marker_matches fakecloud; }
        return
    fi
    marker_matches "$name"
}

installed_version() {
    local name=$1 m
    m=$(marker_of "$name")
    if [[ $name == fakecloud && -n ${CC_FAKECLOUD_BIN:-} ]]; then
        echo "CC_FAKECLOUD_BIN=$CC_FAKECLOUD_BIN"
    elif is_installed "$name"; then
        if [[ -f $m ]]; then head -n 1 "$m"; else echo "cached binary (version not recorded)"; fi
    elif [[ -f $m ]]; then
        echo "$(head -n 1 "$m") (stale: pinned $(version_of "$name"))"
    else
        echo "not installed"
    fi
}

# ---------------------------------------------------------------------------------------------
# install

venv_install() {
    local dir=$1
    shift
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set CC_PYTHON)"
    rm -rf "$dir/venv"
    "$PYTHON" -m venv "$dir/venv" >&2 ||
        die "'$PYTHON -m venv' failed (on Debian's own python3, install python3-venv)"
    "$dir/venv/bin/pip" install --disable-pip-version-check --no-input --quiet "$@" >&2
}

install_now() {
    local name=$1 dir started
    dir=$(dir_of "$name")
    started=$(date +%s)
    log "installing $name $(version_of "$name") into $dir"
    rm -f "$(marker_of "$name")"
    case $name in
    moto) venv_install "$dir" 'moto[server,cognitoidp]==5.2.5' ;;
    ministack) venv_install "$dir" 'ministack==1.5.33' cryptography ;;
    aws-local-run) venv_install "$dir" 'aws-local-run==1.1.0' requests ;;
    cognito-local)
        command -v npm >/dev/null || die "npm not found (cognito-local needs Node.js and npm)"
        rm -rf "$dir/npm"
        mkdir -p "$dir/npm"
        npm install --prefix "$dir/npm" --no-audit --no-fund --loglevel=error \
            'cognito-local@5.3.0' >&2
        ;;
    fakecloud)
        if [[ -n ${CC_FAKECLOUD_BIN:-} ]]; then
            [[ -x $CC_FAKECLOUD_BIN ]] || die "CC_FAKECLOUD_BIN=$CC_FAKECLOUD_BIN is not an executable file"
            log "fakecloud: using CC_FAKECLOUD_BIN=$CC_FAKECLOUD_BIN, nothing to build"
            return 0
        fi
        command -v cargo >/dev/null || die "cargo not found (fakecloud is built with cargo install)"
        log "WARNING: building fakecloud from source: a very large build, tens of minutes on 2 cores."
        log "WARNING: cache $dir/bin/fakecloud, or point CC_FAKECLOUD_BIN at a built binary."
        cargo install fakecloud --version 0.51.0 --locked --force --root "$dir" >&2
        ;;
    esac
    expected_marker "$name" >"$(marker_of "$name")"
    log "installed $name $(version_of "$name") in $(($(date +%s) - started)) s"
}

# Installs unless already installed. A lock makes concurrent callers (parallel tests spawning
# `exec`) wait for one install instead of racing.
ensure_installed() {
    local name=$1 dir
    if is_installed "$name"; then
        [[ $name == fakecloud && -n ${CC_FAKECLOUD_BIN:-} && ! -x $CC_FAKECLOUD_BIN ]] &&
            die "CC_FAKECLOUD_BIN=$CC_FAKECLOUD_BIN is not an executable file"
        return 0
    fi
    dir=$(dir_of "$name")
    mkdir -p "$dir"
    {
        if ! flock -n 9; then
            log "waiting for another install of $name to finish"
            flock -w 7200 9 || die "timed out waiting for the install lock $dir/.install.lock"
        fi
        if ! is_installed "$name"; then
            install_now "$name"
        fi
    } 9>"$dir/.install.lock"
}

# ---------------------------------------------------------------------------------------------
# processes

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# A signed ListUserPools answered with HTTP 200: the readiness probe of emulators.md.
probe_ready() {
    local port=$1 code
    code=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 2 --noproxy '*' \
        --aws-sigv4 "aws:amz:us-east-1:cognito-idp" --user test:test \
        -H 'X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools' \
        -H 'Content-Type: application/x-amz-json-1.1' \
        --data '{"MaxResults": 1}' "http://127.0.0.1:$port/") || true
    [[ $code == 200 ]]
}

pid_alive() {
    [[ -d /proc/$1 ]] || return 1
    # A zombie has exited already.
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# True when PID is the emulator NAME that `start` launched on PORT (guards against a PID file
# whose PID was reused by an unrelated process): its environment carries our tag, or its working
# directory is the emulator's state directory.
pid_is_ours() {
    local pid=$1 name=$2 port=$3 state cwd
    if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qx "CC_EMULATOR_TAG=$name:$port"; then
        return 0
    fi
    state="$(dir_of "$name")/state-$port"
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
    [[ $cwd == "$state" ]]
}

# PID and every process descending from it, read from /proc.
descendants_and_self() {
    local root=$1 f s rest pid ppid
    local -A kids=()
    for f in /proc/[0-9]*/stat; do
        { read -r s <"$f"; } 2>/dev/null || continue
        pid=${s%% *}
        rest=${s##*) }
        read -r _ ppid _ <<<"$rest"
        kids[$ppid]+=" $pid"
    done
    local queue=("$root") out=() p
    while ((${#queue[@]})); do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        out+=("$p")
        # shellcheck disable=SC2206 # word-splitting the PID list is intended
        [[ -n ${kids[$p]:-} ]] && queue+=(${kids[$p]})
    done
    echo "${out[@]}"
}

process_group_of() {
    local s
    { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    read -r _ _ pgid _ <<<"$s"
    echo "$pgid"
}

# TERM the process, its group (when it leads one) and its descendants; KILL what is left after
# STOP_TIMEOUT seconds.
kill_tree() {
    local pid=$1 pgid pids p deadline left
    pgid=$(process_group_of "$pid") || return 0
    pids=$(descendants_and_self "$pid")
    # shellcheck disable=SC2086 # the PID list is meant to split
    kill -TERM $pids 2>/dev/null || true
    if [[ $pgid == "$pid" ]]; then kill -TERM -- "-$pgid" 2>/dev/null || true; fi
    deadline=$(($(now_ms) + STOP_TIMEOUT * 1000))
    while (($(now_ms) < deadline)); do
        left=0
        for p in $pids; do pid_alive "$p" && left=1; done
        ((left)) || return 0
        sleep 0.1
    done
    log "still running $STOP_TIMEOUT s after SIGTERM: sending SIGKILL"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    if [[ $pgid == "$pid" ]]; then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
    for _ in $(seq 50); do
        left=0
        for p in $pids; do pid_alive "$p" && left=1; done
        ((left)) || return 0
        sleep 0.1
    done
    log "warning: some of PIDs $pids survived SIGKILL"
    return 0
}

# The PID recorded for NAME on PORT if that process is alive and ours; removes a stale PID file.
running_pid() {
    local name=$1 port=$2 pidfile pid
    pidfile="$(dir_of "$name")/$port.pid"
    [[ -f $pidfile ]] || return 1
    pid=$(<"$pidfile")
    if [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" && pid_is_ours "$pid" "$name" "$port"; then
        echo "$pid"
        return 0
    fi
    rm -f "$pidfile"
    return 1
}

# Tests spawn emulators on random ports, each with its own state-<port>/; remove those that are
# old (untouched for 10 minutes) and whose port nothing listens on any more.
prune_state_dirs() {
    local d p
    while IFS= read -r d; do
        p=${d##*/state-}
        [[ $p =~ ^[0-9]+$ ]] || continue
        port_in_use "$p" || rm -rf "$d"
    done < <(find "$1" -maxdepth 1 -type d -name 'state-*' -mmin +10 2>/dev/null)
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---------------------------------------------------------------------------------------------
# commands

cmd_exec() {
    local name=$1 port=$2 dir state
    # `start` asks for the PID here: this shell's PID is the emulator's once it execs.
    if [[ -n ${_CC_EMULATOR_PIDFILE:-} ]]; then
        echo "$$" >"$_CC_EMULATOR_PIDFILE"
        unset _CC_EMULATOR_PIDFILE
    fi
    ensure_installed "$name"
    port_in_use "$port" && die "127.0.0.1:$port is already in use; cannot start $name there"
    dir=$(dir_of "$name")
    prune_state_dirs "$dir"
    state="$dir/state-$port"
    rm -rf "$state"
    mkdir -p "$state"
    cd "$state"
    export CC_EMULATOR_TAG="$name:$port"
    case $name in
    moto)
        exec "$dir/venv/bin/moto_server" -H 127.0.0.1 -p "$port"
        ;;
    cognito-local)
        # Plain usernames: by default cognito-local wants e-mail addresses.
        mkdir -p .cognito
        echo '{"UserPoolDefaults":{"UsernameAttributes":[]}}' >.cognito/config.json
        HOST=127.0.0.1 PORT=$port exec node "$dir/npm/node_modules/cognito-local/lib/bin/start.js"
        ;;
    ministack)
        # Its IoT MQTT (8883) and SFTP listeners would bind 0.0.0.0 whatever BIND_HOST says.
        STATE_DIR=$state BIND_HOST=127.0.0.1 GATEWAY_PORT=$port IOT_MTLS_ENABLED=0 SFTP_ENABLED=0 \
            exec "$dir/venv/bin/ministack"
        ;;
    aws-local-run)
        exec "$dir/venv/bin/aws-local-run" start --host 127.0.0.1 --port "$port" --services cognito
        ;;
    fakecloud)
        exec "$(fakecloud_bin)" --addr "127.0.0.1:$port"
        ;;
    esac
}

cmd_start() {
    local name=$1 port=$2 dir pidfile logfile pid launcher t0 deadline
    ensure_installed "$name"
    dir=$(dir_of "$name")
    mkdir -p "$dir"
    pidfile="$dir/$port.pid"
    logfile="$dir/$port.log"
    if pid=$(running_pid "$name" "$port"); then
        if probe_ready "$port"; then
            log "$name already running on 127.0.0.1:$port (pid $pid)"
            return 0
        fi
        die "$name already started on 127.0.0.1:$port (pid $pid) but not answering; stop it first"
    fi
    if port_in_use "$port"; then
        die "127.0.0.1:$port is already in use by another process; cannot start $name there (--port P picks another)"
    fi
    rm -f "$pidfile"
    : >"$logfile"
    t0=$(now_ms)
    # A new session (setsid): the emulator leads its own process group, which `stop` kills whole.
    CC_EMULATOR_TAG="$name:$port" _CC_EMULATOR_PIDFILE=$pidfile \
        setsid bash "$SELF" exec "$name" "$port" </dev/null >>"$logfile" 2>&1 &
    launcher=$!
    deadline=$((t0 + READY_TIMEOUT * 1000))
    pid=
    while :; do
        if [[ -z $pid && -s $pidfile ]]; then pid=$(<"$pidfile"); fi
        if [[ -n $pid ]]; then
            if ! pid_alive "$pid"; then
                log "$name exited before it was ready; last lines of $logfile:"
                tail -n 30 "$logfile" >&2 || true
                rm -f "$pidfile"
                exit 1
            fi
            if probe_ready "$port"; then break; fi
        elif ! pid_alive "$launcher"; then
            log "$name failed to launch; last lines of $logfile:"
            tail -n 30 "$logfile" >&2 || true
            exit 1
        fi
        if (($(now_ms) >= deadline)); then
            log "$name not ready on 127.0.0.1:$port after $READY_TIMEOUT s; last lines of $logfile:"
            if [[ -s $logfile ]]; then tail -n 30 "$logfile" >&2; else log "(the log is empty)"; fi
            [[ -n $pid ]] && kill_tree "$pid"
            pid_alive "$launcher" && kill_tree "$launcher"
            rm -f "$pidfile"
            exit 1
        fi
        sleep 0.1
    done
    log "$name $(version_of "$name") ready on http://127.0.0.1:$port (pid $pid) in $(($(now_ms) - t0)) ms; log $logfile"
}

cmd_stop() {
    local name=$1 port=$2 pidfile pid
    pidfile="$(dir_of "$name")/$port.pid"
    if [[ ! -f $pidfile ]]; then
        log "$name on port $port: not running (no PID file)"
        return 0
    fi
    if ! pid=$(running_pid "$name" "$port"); then
        log "$name on port $port: not running (removed a stale PID file)"
        return 0
    fi
    kill_tree "$pid"
    rm -f "$pidfile"
    log "$name on port $port: stopped (pid $pid)"
}

cmd_status() {
    local name=$1 port=$2 pid
    printf '%s: %s; ' "$name" "$(installed_version "$name")"
    if pid=$(running_pid "$name" "$port"); then
        if probe_ready "$port"; then
            echo "running on http://127.0.0.1:$port (pid $pid), ready"
            return 0
        fi
        echo "pid $pid alive on port $port but not answering ListUserPools"
        return 3
    fi
    if probe_ready "$port"; then
        echo "not started by this script, but something answers ListUserPools on 127.0.0.1:$port"
    else
        echo "not running on port $port"
    fi
    return 3
}

main() {
    (($# >= 1)) || usage
    local cmd=$1
    shift
    case $cmd in -h | --help | help) usage ;; esac
    (($# >= 1)) || usage
    local target=$1 port=
    shift
    local names=()
    if [[ $target == all-default ]]; then
        case $cmd in install | start | stop | status) names=("${DEFAULT_SET[@]}") ;; *) usage ;; esac
    elif is_name "$target"; then
        names=("$target")
    else
        log "unknown emulator '$target'"
        usage
    fi
    if [[ $cmd == exec ]]; then
        (($# == 1)) || usage
        port=$1
        shift
    fi
    while (($#)); do
        case $1 in
        --port)
            (($# >= 2)) || usage
            port=$2
            shift 2
            ;;
        --port=*)
            port=${1#--port=}
            shift
            ;;
        *) usage ;;
        esac
    done
    if [[ -n $port ]]; then
        if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "bad port '$port'"; fi
        ((${#names[@]} == 1)) || die "--port needs a single emulator, not all-default"
    fi
    [[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "CC_EMULATOR_READY_TIMEOUT must be whole seconds, not '$READY_TIMEOUT'"
    [[ $STOP_TIMEOUT =~ ^[0-9]+$ ]] || die "CC_EMULATOR_STOP_TIMEOUT must be whole seconds, not '$STOP_TIMEOUT'"
    mkdir -p "$EMU_DIR"

    local n rc=0 p
    case $cmd in
    install) for n in "${names[@]}"; do ensure_installed "$n"; done ;;
    path)
        [[ -z $port ]] || usage
        dir_of "$target"
        ;;
    exec) cmd_exec "$target" "$port" ;;
    start | stop | status)
        for n in "${names[@]}"; do
            p=${port:-$(default_port_of "$n")}
            case $cmd in
            start) cmd_start "$n" "$p" ;;
            stop) cmd_stop "$n" "$p" ;;
            status) cmd_status "$n" "$p" || rc=$? ;;
            esac
        done
        return "$rc"
        ;;
    *)
        log "unknown command '$cmd'"
        usage
        ;;
    esac
}

main "$@"
