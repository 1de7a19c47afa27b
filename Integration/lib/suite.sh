# shellcheck shell=bash
# shellcheck disable=SC2154 # lab, fleet, ssh_config, state and out are the sourcing suite's
# Helpers shared by Integration/e2e and Integration/faults. The suite sets $lab, $fleet,
# $ssh_config, $state and $out before it sources this file; counts go to $passed and $failed.
passed=0 failed=0

pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
# check DESCRIPTION CMD…: a pass when CMD exits 0, else a fail.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
refused() { ! "$@"; }
# on VM WORDS…: the words as one command on VM, as root (it expands there).
on() { local vm=$1; shift; "$lab" ssh "$vm" -- "$*"; }
# fleet_run NAME EXPECTED_EXIT ARGS…: fleet inside the lab's netns; output kept in
# $out/NAME.{out,err}; a pass when it exits EXPECTED_EXIT, else a fail with the end of both
# (and status 1).
fleet_run() {
    local name=$1 expected=$2; shift 2
    "$lab" exec -- "$fleet" "$@" --ssh-config "$ssh_config" --state-dir "$state" >"$out/$name.out" 2>"$out/$name.err"
    local rc=$?
    tail -n 12 "$out/$name.out"
    if [ "$rc" -eq "$expected" ]; then pass "$name: exit $rc"; else
        fail "$name: exit $rc, expected $expected"
        cat "$out/$name.err" "$out/$name.out" | tail -n 60
        return 1
    fi
}
# says NAME TEXT: fleet's stdout of run NAME contains TEXT (a fixed string, not a pattern).
says() { grep -qF -- "$2" "$out/$1.out"; }
# summary: the suite's last line, and its exit status.
summary() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
# section LIST ID TITLE: prints the section's heading; false when LIST (the suite's *_ONLY
# variable: IDs separated by spaces or commas) is set and does not name ID. The skip is printed,
# and only a run that asked for a subset skips anything.
section() {
    local only=${1//,/ } id=$2; shift 2
    if [ -n "$only" ] && [[ " $only " != *" $id "* ]]; then
        echo "== $id. $* (not run: not in the list of sections asked for: $only)"
        return 1
    fi
    echo "== $id. $*"
}
