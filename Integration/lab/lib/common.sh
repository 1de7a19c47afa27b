# shellcheck shell=bash
# shellcheck disable=SC2034 # settings used by the other lib files
# Shared settings and helpers for the fleet Integration VM lab. Sourced by ../lab.

# --- layout ---------------------------------------------------------------------------------
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$LAB_DIR/../.." && pwd)
RUN_DIR=${FLEET_LAB_RUN:-$LAB_DIR/.run}
PID_DIR=$RUN_DIR/pids
CACHE_ROOT=${FLEET_LAB_CACHE:-/var/cache/fleet-lab}
INVENTORY=$REPO_ROOT/inventory/lab.json

# --- network plan -----------------------------------------------------------------------------
# One netns per checkout (named after its run directory), so a second clone's lab, such as a CI
# run on a fresh clone, never meets this one's namespace; FLEET_LAB_NETNS overrides.
NETNS=${FLEET_LAB_NETNS:-fleetlab-$(printf '%s' "$RUN_DIR" | sha256sum | cut -c1-8)}
BRIDGE=lbr0
LAB_GW=203.0.113.1
LAB_DNS=203.0.113.53
LAB_PREFIX=24
# name  address  mac  tap  extra-disk(yes/no)
VMS=(hub host-0 host-1)
declare -A VM_ADDR=([hub]=203.0.113.10 [host-0]=203.0.113.11 [host-1]=203.0.113.12)
declare -A VM_MAC=([hub]=52:54:00:f1:ee:10 [host-0]=52:54:00:f1:ee:11 [host-1]=52:54:00:f1:ee:12)
declare -A VM_TAP=([hub]=ltap-hub [host-0]=ltap-host0 [host-1]=ltap-host1)
declare -A VM_DATADISK=([hub]=no [host-0]=yes [host-1]=yes)
VM_MEM=${FLEET_LAB_MEM:-1024}
DATADISK_SIZE=4G

# Debian sources used to build the image and to fill the lab mirror (the host's mirror).
DEBIAN_MIRROR=${FLEET_LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY=${FLEET_LAB_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
SUITE=bookworm

# Versions of the stand-in release artifacts.
TAILSCALE_VERSION=1.90.6
FLINTLOCK_VERSION=v0.11.0
FIRECRACKER_VERSION=v1.15.1

# --- output -----------------------------------------------------------------------------------
log() { printf '\033[1m[lab]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[lab] warning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[lab] error:\033[0m %s\n' "$*" >&2; exit 1; }

# now_s: seconds since the epoch with fractions; elapsed START: seconds since START, one decimal.
now_s() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now_s)" 'BEGIN { printf "%.1f", e - s }'; }

# Phase timing: phase_start NAME / phase_end NAME prints "NAME took Ns" and appends to the timings file.
declare -A _PHASE_T0=()
phase_start() { _PHASE_T0[$1]=$(now_s); }
phase_end() {
    local t
    t=$(elapsed "${_PHASE_T0[$1]}")
    log "phase $1: ${t}s"
    if [[ -d $RUN_DIR ]]; then printf '%s %s %s\n' "$(date -u +%FT%TZ)" "$1" "$t" >>"$RUN_DIR/timings.log"; fi
}

# lock_cache: hold the cache's build lock (fd 7) so that two checkouts never build the same
# image, mirror or stand-ins into one .tmp directory at once; unlock_cache before starting
# anything long-lived, which would otherwise inherit the lock.
lock_cache() {
    [[ -z ${_CACHE_LOCKED:-} ]] || return 0
    install -d "$CACHE_ROOT"
    exec 7>"$CACHE_ROOT/.build.lock"
    if ! flock -n 7; then
        log "waiting for another lab's build in $CACHE_ROOT"
        flock 7
    fi
    _CACHE_LOCKED=1
}
unlock_cache() {
    exec 7>&-
    _CACHE_LOCKED=
}

need_root() { [[ $(id -u) -eq 0 ]] || die "the lab needs root (netns, taps, apt-get, mmdebstrap)"; }

# hash_files FILE...: one sha256 over the names and contents of the given files (sorted).
hash_files() {
    local f
    for f in $(printf '%s\n' "$@" | LC_ALL=C sort); do
        printf '%s\n' "${f#"$LAB_DIR"/}"
        sha256sum <"$f"
    done | sha256sum | cut -c1-16
}

# files_under DIR...: every regular file below the given directories.
files_under() { find "$@" -type f ! -name '*~' ! -name '.*.swp' | LC_ALL=C sort; }

# prune_cache PREFIX: keep the two newest $CACHE_ROOT/PREFIX-* builds, remove older ones (a
# recipe change makes a new one; two are kept so that two checkouts can alternate).
prune_cache() {
    local old
    find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d -name "$1-*" ! -name '*.tmp' -printf '%T@ %p\n' |
        sort -rn | tail -n +3 | cut -d' ' -f2- | while read -r old; do
        log "cache: removing old build $old"
        rm -rf "$old"
    done
}

in_ns() { ip netns exec "$NETNS" "$@"; }

netns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$NETNS"; }

# proc_running PID: the process exists and is not a zombie. (Processes the lab leaves running are
# re-parented to PID 1 when `lab up` exits; an init that does not reap leaves them as zombies after
# they end, and `kill -0` still succeeds on a zombie.)
proc_running() {
    [[ $1 =~ ^[0-9]+$ ]] && [[ -r /proc/$1/stat ]] || return 1
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# pid_alive PIDFILE: the process in PIDFILE is running.
pid_alive() { [[ -s $1 ]] && proc_running "$(cat "$1")"; }

# --- exit hooks -------------------------------------------------------------------------------
# at_exit 'COMMAND': run COMMAND (eval'd) when the script exits, also after a failure, Ctrl-C or
# SIGTERM; hooks run newest first. drop_exit 'COMMAND' removes a hook again.
AT_EXIT=()
at_exit() { AT_EXIT+=("$1"); }
drop_exit() {
    local i
    for i in "${!AT_EXIT[@]}"; do
        if [[ ${AT_EXIT[$i]} == "$1" ]]; then unset 'AT_EXIT[i]'; fi
    done
}
_run_exit_hooks() {
    local rc=$? i
    trap - EXIT INT TERM
    local idx=("${!AT_EXIT[@]}")
    for ((i = ${#idx[@]} - 1; i >= 0; i--)); do
        eval "${AT_EXIT[${idx[$i]}]}" || true
    done
    exit "$rc"
}
trap _run_exit_hooks EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
