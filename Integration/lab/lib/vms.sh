# shellcheck shell=bash
# The running lab: network namespace, servers, VMs; up/down/status/exec/ssh/reboot.

OWNER_FILE=$RUN_DIR/netns.owner
SSH_KEY=$RUN_DIR/id_ed25519
SSH_CONFIG=$RUN_DIR/ssh_config
KNOWN_HOSTS=$RUN_DIR/known_hosts
CM_DIR=$RUN_DIR/cm
AUTHKEY_FILE=$RUN_DIR/tailscale-authkey
BOOT_TIMEOUT=${FLEET_LAB_BOOT_TIMEOUT:-420}
KVM_PROBE_TIMEOUT=${FLEET_LAB_KVM_PROBE_TIMEOUT:-20}

vm_ip() {
    [[ -n ${VM_ADDR[$1]:-} ]] || die "unknown VM '$1' (one of: ${VMS[*]})"
    printf '%s\n' "${VM_ADDR[$1]}"
}

# --- processes --------------------------------------------------------------------------------
# stop_pidfile FILE EXPECTED_EXE: SIGTERM the process named in FILE if it is still the program
# we started (its executable's name contains EXPECTED_EXE: a reused PID is left alone), then
# SIGKILL after a grace period. Removes FILE.
stop_pidfile() {
    local file=$1 comm=$2 pid i
    [[ -s $file ]] || {
        rm -f "$file"
        return 0
    }
    pid=$(cat "$file")
    if proc_running "$pid" && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == *"$comm"* ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            proc_running "$pid" || break
            sleep 0.2
        done
        if proc_running "$pid"; then
            warn "pid $pid ($comm) ignored SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 25; i++)); do
                proc_running "$pid" || break
                sleep 0.2
            done
        fi
    fi
    rm -f "$file"
}

# --- accelerator ------------------------------------------------------------------------------
ACCEL_FILE=$CACHE_ROOT/accel
host_signature() { printf '%s|%s\n' "$(uname -r)" "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2 | xargs)"; }

# known_accel: kvm or tcg if a previous run found out on this host, else empty.
known_accel() {
    if [[ -n ${FLEET_LAB_ACCEL:-} ]]; then
        printf '%s\n' "$FLEET_LAB_ACCEL"
        return
    fi
    [[ -c /dev/kvm ]] || {
        echo tcg
        return
    }
    if [[ -s $ACCEL_FILE ]] && [[ $(sed -n 2p "$ACCEL_FILE") == "$(host_signature)" ]]; then
        sed -n 1p "$ACCEL_FILE"
    fi
}
remember_accel() {
    printf '%s\n%s\n' "$1" "$(host_signature)" >"$ACCEL_FILE"
    log "accelerator: remembering '$1' for this host in $ACCEL_FILE"
}

# --- VMs --------------------------------------------------------------------------------------
make_disks() { # make_disks VM: a fresh copy-on-write overlay over the base image (+ data disk)
    local vm=$1 img
    img=$(image_dir)
    rm -f "$RUN_DIR/$vm.qcow2" "$RUN_DIR/$vm-data.img"
    qemu-img create -q -f qcow2 -F raw -b "$img/rootfs.img" "$RUN_DIR/$vm.qcow2"
    if [[ ${VM_DATADISK[$vm]} == yes ]]; then truncate -s "$DATADISK_SIZE" "$RUN_DIR/$vm-data.img"; fi
}

start_vm() { # start_vm VM ACCEL
    local vm=$1 accel=$2 img pub
    img=$(image_dir)
    pub=$(base64 -w0 <"$SSH_KEY.pub")
    local args=(-name "$vm,process=fleetlab-$vm" -nodefaults -nographic -no-user-config
        -m "$VM_MEM" -smp 1
        -kernel "$img/vmlinuz" -initrd "$img/initrd.img"
        -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=10 fleetlab.hostname=$vm fleetlab.addr=${VM_ADDR[$vm]}/$LAB_PREFIX fleetlab.gw=$LAB_GW fleetlab.key=$pub"
        -drive "file=$RUN_DIR/$vm.qcow2,format=qcow2,if=virtio,cache=unsafe,discard=unmap"
        -netdev "tap,id=n0,ifname=${VM_TAP[$vm]},script=no,downscript=no"
        -device "virtio-net-pci,netdev=n0,mac=${VM_MAC[$vm]},romfile="
        -device virtio-rng-pci
        -serial "file:$RUN_DIR/$vm.console.log"
        -monitor "unix:$RUN_DIR/$vm.monitor,server,nowait"
        -pidfile "$PID_DIR/$vm.pid")
    if [[ ${VM_DATADISK[$vm]} == yes ]]; then
        args+=(-drive "file=$RUN_DIR/$vm-data.img,format=raw,if=virtio,cache=unsafe,discard=unmap")
    fi
    case $accel in
    kvm) args+=(-accel kvm -cpu max) ;;
    tcg) args+=(-accel "tcg,thread=multi" -cpu max) ;;
    *) die "unknown accelerator '$accel'" ;;
    esac
    rm -f "$PID_DIR/$vm.pid"
    in_ns setsid qemu-system-x86_64 "${args[@]}" </dev/null >"$RUN_DIR/$vm.qemu.log" 2>&1 9>&- &
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -s $PID_DIR/$vm.pid ]] && break
        sleep 0.1
    done
    [[ -s $PID_DIR/$vm.pid ]] || {
        cat "$RUN_DIR/$vm.qemu.log" >&2
        die "qemu for $vm did not start (log above)"
    }
    printf '%s\n' "$accel" >"$RUN_DIR/$vm.accel"
}

stop_vm() { stop_pidfile "$PID_DIR/$1.pid" qemu; }

sshd_answers() { # sshd_answers IP: an SSH banner and a host key come back
    in_ns ssh-keyscan -T 3 -t ed25519 "$1" 2>/dev/null | grep -q ssh-ed25519
}

# wait_sshd TIMEOUT VM...: wait until every VM's sshd answers; prints each VM's time. Returns 1 on
# time-out or if a qemu process died (after printing its console tail), 0 when all answer.
wait_sshd() {
    local timeout=$1 t0 vm
    shift
    t0=$(now_s)
    local -A done_at=()
    local pending=("$@")
    while ((${#pending[@]} > 0)); do
        local next=()
        for vm in "${pending[@]}"; do
            if ! pid_alive "$PID_DIR/$vm.pid"; then
                warn "qemu for $vm exited; qemu log and console tail:"
                tail -n 20 "$RUN_DIR/$vm.qemu.log" "$RUN_DIR/$vm.console.log" >&2 || true
                return 1
            fi
            if sshd_answers "${VM_ADDR[$vm]}"; then
                done_at[$vm]=$(elapsed "$t0")
                log "  $vm: sshd answers after ${done_at[$vm]}s"
            else
                next+=("$vm")
            fi
        done
        pending=("${next[@]}")
        ((${#pending[@]} == 0)) && break
        if awk -v e="$(elapsed "$t0")" -v t="$timeout" 'BEGIN { exit !(e > t) }'; then
            for vm in "${pending[@]}"; do
                warn "$vm: sshd did not answer within ${timeout}s ($RUN_DIR/$vm.console.log):"
                console_report "$vm"
            done
            return 1
        fi
        sleep 1
    done
    return 0
}

# console_report VM: what the VM's last boot said that explains an sshd that does not answer:
# failed or timed-out units and fleet-lab-boot's own lines (the console log holds every boot of
# this lab; the last boot starts at the last "Linux version"), then the console's tail.
console_report() {
    local log=$RUN_DIR/$1.console.log
    awk '/Linux version/ { n = 0; delete seen } { seen[++n] = $0 } END { for (i = 1; i <= n; i++) print seen[i] }' "$log" 2>/dev/null |
        sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -aE 'FAILED|Dependency failed|Timed out|fleet-lab-boot:' | tail -n 20 >&2 || true
    echo "--- console tail:" >&2
    tail -n 25 "$log" >&2 || true
}

write_ssh_config() {
    local vm
    : >"$SSH_CONFIG"
    {
        printf '# fleet lab ssh configuration, written by "lab up". Use from inside the lab netns\n'
        printf '# (lab exec -- ssh -F %s hub).\n' "$SSH_CONFIG"
        for vm in "${VMS[@]}"; do
            printf 'Host %s %s\n    HostName %s\n' "${VM_ADDR[$vm]}" "$vm" "${VM_ADDR[$vm]}"
        done
        printf '\nHost %s\n' "$(for vm in "${VMS[@]}"; do printf '%s %s ' "${VM_ADDR[$vm]}" "$vm"; done | sed 's/ $//')"
        printf '    User root\n'
        printf '    IdentityFile %s\n' "$SSH_KEY"
        printf '    IdentitiesOnly yes\n'
        printf '    UserKnownHostsFile %s\n' "$KNOWN_HOSTS"
        printf '    GlobalKnownHostsFile /dev/null\n'
        printf '    StrictHostKeyChecking yes\n'
        printf '    BatchMode yes\n'
        printf '    ConnectTimeout 10\n'
        printf '    ServerAliveInterval 15\n'
    } >>"$SSH_CONFIG"
}

# lab_ssh VM CMD...: CMD on VM over the ssh the lab itself uses: the lab ssh_config and a
# ControlMaster started on purpose with its stdio closed (see `ensure_master`).
lab_ssh() {
    local vm=$1
    shift
    in_ns ssh -F "$SSH_CONFIG" -o ControlMaster=no -o ControlPath="$CM_DIR/%C" "${VM_ADDR[$vm]}" "$@"
}
ensure_master() {
    local vm=$1 ip=${VM_ADDR[$1]}
    install -d -m 0700 "$CM_DIR"
    if in_ns ssh -F "$SSH_CONFIG" -o ControlPath="$CM_DIR/%C" -O check "$ip" >/dev/null 2>&1; then return 0; fi
    in_ns ssh -F "$SSH_CONFIG" -fN -o ControlMaster=yes -o ControlPersist=600 -o ControlPath="$CM_DIR/%C" "$ip" \
        </dev/null >/dev/null 2>&1 9>&- || return 1
    # remember the master's PID so that `lab down` can end it even if the socket is gone
    in_ns ssh -F "$SSH_CONFIG" -o ControlPath="$CM_DIR/%C" -O check "$ip" 2>&1 |
        sed -n 's/.*pid=\([0-9]*\).*/\1/p' >"$PID_DIR/ssh-$vm.pid" || true
}
close_master() {
    local vm=$1
    if [[ -d $CM_DIR && -f $SSH_CONFIG ]] && netns_exists; then
        in_ns ssh -F "$SSH_CONFIG" -o ControlPath="$CM_DIR/%C" -O exit "${VM_ADDR[$vm]}" >/dev/null 2>&1 || true
    fi
    stop_pidfile "$PID_DIR/ssh-$vm.pid" ssh
}

# lab_healthy: every process of a finished `lab up` still runs.
lab_healthy() {
    local p
    [[ -f $SSH_CONFIG ]] || return 1
    for p in http dnsmasq "${VMS[@]}"; do pid_alive "$PID_DIR/$p.pid" || return 1; done
}

require_up() {
    if ! netns_exists || [[ ! -f $OWNER_FILE ]]; then die "the lab is not up (run 'lab up')"; fi
}

# --- up ---------------------------------------------------------------------------------------
cmd_up() {
    need_root
    local t_total
    t_total=$(now_s)
    install -d "$RUN_DIR"
    exec 9>"$RUN_DIR/.lock"
    flock -n 9 || die "another lab command holds $RUN_DIR/.lock"

    if netns_exists; then
        if [[ -f $OWNER_FILE ]]; then
            if lab_healthy; then
                log "the lab is already up (see '$0 status'; '$0 down' stops it)"
                return 0
            fi
            warn "netns $NETNS is left from an earlier, broken run of this lab ($OWNER_FILE): cleaning it up first"
            teardown
        else
            die "network namespace '$NETNS' exists but this lab did not create it ($OWNER_FILE missing). Inspect it with 'ip netns pids $NETNS' and remove it with 'ip netns del $NETNS' if it is stale."
        fi
    fi
    # A fresh run directory (the last run's logs are kept in .run/last/).
    rm -rf "$RUN_DIR/last"
    install -d "$RUN_DIR/last"
    find "$RUN_DIR" -maxdepth 1 -name '*.log' -exec mv -t "$RUN_DIR/last/" {} + 2>/dev/null || true
    install -d -m 0755 "$PID_DIR"
    install -d -m 0700 "$CM_DIR"

    phase_start deps
    cmd_deps
    phase_end deps
    phase_start image
    cmd_image
    phase_end image
    phase_start mirror
    cmd_mirror
    unlock_cache
    phase_end mirror
    verify_standin_shas

    # From here on, a failure or Ctrl-C tears down whatever was started.
    at_exit teardown_on_failure
    phase_start network
    ip netns add "$NETNS"
    printf 'netns=%s\nrun_dir=%s\ncreated=%s\nby_pid=%s\n' "$NETNS" "$RUN_DIR" "$(date -u +%FT%TZ)" "$$" >"$OWNER_FILE"
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" link add "$BRIDGE" type bridge stp_state 0 forward_delay 0
    ip -n "$NETNS" addr add "$LAB_GW/$LAB_PREFIX" dev "$BRIDGE"
    ip -n "$NETNS" addr add "$LAB_DNS/$LAB_PREFIX" dev "$BRIDGE"
    ip -n "$NETNS" link set "$BRIDGE" up
    local vm
    for vm in "${VMS[@]}"; do
        ip -n "$NETNS" tuntap add "${VM_TAP[$vm]}" mode tap
        ip -n "$NETNS" link set "${VM_TAP[$vm]}" master "$BRIDGE" up
    done
    # Programs started with `ip netns exec $NETNS` resolve names through the lab's DNS.
    install -d /etc/netns/"$NETNS"
    printf 'nameserver %s\n' "$LAB_DNS" >/etc/netns/"$NETNS"/resolv.conf
    phase_end network

    phase_start servers
    local www
    www=$(mirror_dir)/www
    : >"$RUN_DIR/upstream.log"
    in_ns setsid python3 "$LAB_DIR/server/labhttp.py" --bind "$LAB_GW" --port 80 --root "$www" \
        --upstream-log "$RUN_DIR/upstream.log" --access-log "$RUN_DIR/http.log" \
        --pid-file "$PID_DIR/http.pid" </dev/null >"$RUN_DIR/http.stderr.log" 2>&1 9>&- &
    in_ns setsid dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
        --bind-interfaces --listen-address="$LAB_DNS" --port=53 --no-dhcp-interface="$BRIDGE" \
        --address=/upstream.lab.test/"$LAB_GW" --user=nobody --group=nogroup \
        --pid-file="$PID_DIR/dnsmasq.pid" --log-queries --log-facility="$RUN_DIR/dnsmasq.log" \
        </dev/null >"$RUN_DIR/dnsmasq.stderr.log" 2>&1 9>&- &
    local i
    for ((i = 0; i < 50; i++)); do
        if in_ns curl -fsS -o /dev/null "http://$LAB_GW/debian/dists/$SUITE/InRelease" 2>/dev/null && [[ -s $PID_DIR/dnsmasq.pid ]]; then break; fi
        sleep 0.2
    done
    in_ns curl -fsS -o /dev/null "http://$LAB_GW/debian/dists/$SUITE/InRelease" ||
        die "the lab HTTP server did not come up: $(cat "$RUN_DIR/http.stderr.log")"
    [[ -s $PID_DIR/dnsmasq.pid ]] || die "dnsmasq did not start: $(cat "$RUN_DIR/dnsmasq.stderr.log")"
    phase_end servers

    # Per-run secrets: the lab ssh key (its public half goes to the VMs on the kernel command line)
    # and a fake Tailscale auth key.
    rm -f "$SSH_KEY" "$SSH_KEY.pub"
    ssh-keygen -q -t ed25519 -N '' -C "fleet-lab-$(date -u +%Y%m%d%H%M%S)" -f "$SSH_KEY"
    chmod 0600 "$SSH_KEY"
    (
        umask 077
        printf 'tskey-auth-lab%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$AUTHKEY_FILE"
    )
    chmod 0600 "$AUTHKEY_FILE"

    phase_start boot
    for vm in "${VMS[@]}"; do make_disks "$vm"; done
    local accel
    accel=$(known_accel)
    if [[ -z $accel ]]; then
        log "accelerator: probing KVM with hub (${KVM_PROBE_TIMEOUT}s to sshd)"
        start_vm hub kvm
        if wait_sshd "$KVM_PROBE_TIMEOUT" hub 2>/dev/null; then
            remember_accel kvm
            accel=kvm
            for vm in "${VMS[@]}"; do [[ $vm == hub ]] || start_vm "$vm" kvm; done
        else
            log "accelerator: KVM guest did not boot in ${KVM_PROBE_TIMEOUT}s; falling back to TCG"
            stop_vm hub
            remember_accel tcg
            accel=tcg
            make_disks hub
            cp "$RUN_DIR/hub.console.log" "$RUN_DIR/last/hub.kvm-probe.console.log" 2>/dev/null || true
        fi
    fi
    if [[ $accel == tcg ]]; then
        for vm in "${VMS[@]}"; do start_vm "$vm" tcg; done
    elif ! pid_alive "$PID_DIR/hub.pid"; then
        for vm in "${VMS[@]}"; do start_vm "$vm" kvm; done
    fi
    log "booting ${VMS[*]} in parallel ($accel, ${VM_MEM} MiB, 1 vCPU each); waiting for sshd (up to ${BOOT_TIMEOUT}s)"
    wait_sshd "$BOOT_TIMEOUT" "${VMS[@]}" || die "not every VM came up (see above; logs in $RUN_DIR)"
    phase_end boot

    phase_start ssh
    : >"$KNOWN_HOSTS"
    for vm in "${VMS[@]}"; do
        in_ns ssh-keyscan -T 10 "${VM_ADDR[$vm]}" 2>/dev/null | sort >>"$KNOWN_HOSTS"
    done
    chmod 0644 "$KNOWN_HOSTS"
    write_ssh_config
    local pids=() rc=0
    for vm in "${VMS[@]}"; do
        ensure_master "$vm" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || rc=1; done
    ((rc == 0)) || die "ssh login with the lab key failed on at least one VM"
    for vm in "${VMS[@]}"; do
        local out
        # shellcheck disable=SC2016 # expanded on the VM
        out=$(lab_ssh "$vm" 'printf "%s %s " "$(hostname)" "$(id -un)"; runuser -u fleet -- sudo -n true && printf fleet-ok' </dev/null) ||
            die "ssh to $vm failed"
        [[ $out == "$vm root fleet-ok" ]] || die "unexpected answer from $vm: '$out'"
    done
    phase_end ssh

    drop_exit teardown_on_failure
    local total
    total=$(elapsed "$t_total")
    printf '%s %s %s\n' "$(date -u +%FT%TZ)" up-total "$total" >>"$RUN_DIR/timings.log"
    log "lab is up in ${total}s ($accel). VMs:"
    for vm in "${VMS[@]}"; do log "  $vm  ${VM_ADDR[$vm]}  (qemu pid $(cat "$PID_DIR/$vm.pid"))"; done
    log "ssh config: $SSH_CONFIG   e.g.: $0 exec -- ssh -F $SSH_CONFIG hub"
}

teardown_on_failure() {
    warn "lab up failed or was interrupted: tearing down what it started (logs stay in $RUN_DIR)"
    teardown
}

# --- down -------------------------------------------------------------------------------------
teardown() {
    local vm
    if [[ -f $SSH_CONFIG ]] && netns_exists; then
        for vm in "${VMS[@]}"; do close_master "$vm"; done
    fi
    for vm in "${VMS[@]}"; do
        stop_pidfile "$PID_DIR/ssh-$vm.pid" ssh
        stop_vm "$vm"
    done
    stop_pidfile "$PID_DIR/http.pid" python3
    stop_pidfile "$PID_DIR/dnsmasq.pid" dnsmasq
    if netns_exists; then
        if [[ -f $OWNER_FILE ]]; then
            for vm in "${VMS[@]}"; do ip -n "$NETNS" link del "${VM_TAP[$vm]}" 2>/dev/null || true; done
            ip -n "$NETNS" link del "$BRIDGE" 2>/dev/null || true
            local left
            left=$(ip netns pids "$NETNS" 2>/dev/null | xargs)
            [[ -z $left ]] || warn "processes still in netns $NETNS (not started by this lab run?): $left"
            ip netns del "$NETNS"
        else
            warn "netns $NETNS exists but is not this lab's ($OWNER_FILE missing): left alone"
        fi
    fi
    rm -rf /etc/netns/"$NETNS"
    rm -f "$OWNER_FILE"
    for vm in "${VMS[@]}"; do
        rm -f "$RUN_DIR/$vm.qcow2" "$RUN_DIR/$vm-data.img" "$RUN_DIR/$vm.monitor" "$RUN_DIR/$vm.accel"
    done
    rm -rf "$CM_DIR"
    rm -f "$SSH_KEY" "$SSH_KEY.pub" "$AUTHKEY_FILE" "$SSH_CONFIG" "$KNOWN_HOSTS"
}

cmd_down() {
    need_root
    [[ -d $RUN_DIR ]] || install -d "$RUN_DIR"
    exec 9>"$RUN_DIR/.lock"
    flock -w 30 9 || die "another lab command holds $RUN_DIR/.lock"
    teardown
    local bad=0 f
    if netns_exists && [[ ! -f $OWNER_FILE ]]; then
        : # a foreign netns of the same name, already warned about
    elif netns_exists; then
        warn "netns $NETNS still exists"
        bad=1
    fi
    for f in "$PID_DIR"/*.pid; do
        [[ -e $f ]] || continue
        warn "pid file left: $f"
        bad=1
    done
    ((bad == 0)) || die "lab down left something behind (see above)"
    if netns_exists; then
        log "lab is down (processes stopped, overlays removed; a netns $NETNS that is not this lab's was left alone)"
    else
        log "lab is down (netns gone, processes stopped, overlays removed; logs in $RUN_DIR)"
    fi
}

# --- status / exec / ssh / reboot -------------------------------------------------------------
cmd_status() {
    local vm state
    if netns_exists; then
        if [[ -f $OWNER_FILE ]]; then state="up ($(grep '^created=' "$OWNER_FILE" | cut -d= -f2))"; else state="netns exists but is not this lab's"; fi
    else
        state=down
    fi
    printf 'lab:      %s\n' "$state"
    printf 'run dir:  %s\n' "$RUN_DIR"
    printf 'cache:    %s (%s)\n' "$CACHE_ROOT" "$(du -sh "$CACHE_ROOT" 2>/dev/null | cut -f1)"
    printf 'accel:    %s\n' "$(known_accel || true)"
    local f name
    for name in http dnsmasq; do
        f=$PID_DIR/$name.pid
        if pid_alive "$f"; then printf '%-9s running (pid %s)\n' "$name:" "$(cat "$f")"; else printf '%-9s stopped\n' "$name:"; fi
    done
    for vm in "${VMS[@]}"; do
        f=$PID_DIR/$vm.pid
        if pid_alive "$f"; then
            local ssh=no
            if netns_exists && sshd_answers "${VM_ADDR[$vm]}"; then ssh=yes; fi
            printf '%-9s %-14s qemu pid %s (%s), sshd answers: %s\n' "$vm:" "${VM_ADDR[$vm]}" "$(cat "$f")" "$(cat "$RUN_DIR/$vm.accel" 2>/dev/null)" "$ssh"
        else
            printf '%-9s %-14s stopped\n' "$vm:" "${VM_ADDR[$vm]}"
        fi
    done
}

cmd_exec() {
    need_root
    require_up
    (($# > 0)) || die "usage: lab exec -- CMD..."
    # Not `exec`: the exit hooks must not be skipped, and the exit code is passed through.
    local rc=0
    in_ns "$@" || rc=$?
    return "$rc"
}

cmd_ssh() {
    need_root
    require_up
    local vm=$1
    shift
    vm_ip "$vm" >/dev/null
    ensure_master "$vm" || die "cannot open an ssh connection to $vm"
    local rc=0
    lab_ssh "$vm" -- "$@" || rc=$?
    return "$rc"
}

cmd_reboot() {
    need_root
    require_up
    local vm=$1 before after qpid t0
    vm_ip "$vm" >/dev/null
    ensure_master "$vm" || die "cannot open an ssh connection to $vm"
    before=$(lab_ssh "$vm" cat /proc/sys/kernel/random/boot_id </dev/null)
    qpid=$(cat "$PID_DIR/$vm.pid")
    t0=$(now_s)
    log "rebooting $vm (boot id $before)"
    lab_ssh "$vm" 'systemctl reboot' </dev/null >/dev/null 2>&1 || true
    close_master "$vm"
    # Wait until the old system is gone and the new one answers with another boot id.
    local deadline=$((SECONDS + BOOT_TIMEOUT))
    while ((SECONDS < deadline)); do
        pid_alive "$PID_DIR/$vm.pid" || die "qemu for $vm exited during the reboot (see $RUN_DIR/$vm.console.log)"
        if sshd_answers "${VM_ADDR[$vm]}"; then
            after=$(in_ns ssh -F "$SSH_CONFIG" -o ConnectTimeout=5 "${VM_ADDR[$vm]}" cat /proc/sys/kernel/random/boot_id </dev/null 2>/dev/null || true)
            if [[ -n $after && $after != "$before" ]]; then
                [[ $(cat "$PID_DIR/$vm.pid") == "$qpid" ]] || die "qemu for $vm was restarted, not the guest"
                log "$vm is back after $(elapsed "$t0")s (boot id $after, same qemu pid $qpid)"
                printf '%s %s %s\n' "$(date -u +%FT%TZ)" "reboot-$vm" "$(elapsed "$t0")" >>"$RUN_DIR/timings.log"
                return 0
            fi
        fi
        sleep 2
    done
    console_report "$vm"
    die "$vm did not come back within ${BOOT_TIMEOUT}s"
}

# monitor VM COMMAND: one command to the VM's qemu monitor (HMP). For faults the guest must not
# see coming: a power cut is not something a shell inside the VM can imitate.
monitor() {
    python3 - "$RUN_DIR/$1.monitor" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
time.sleep(0.2)
s.recv(4096)
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.3)
s.close()
PY
}

# cmd_reset VM: hard reset (qemu system_reset): every process on the VM dies at once, as at a
# power cut, and the VM boots again on its own; `lab wait VM` waits for it.
cmd_reset() {
    need_root
    require_up
    local vm=$1
    vm_ip "$vm" >/dev/null
    close_master "$vm"
    monitor "$vm" system_reset
    log "$vm: hard reset (power cut); it boots again by itself"
}

# cmd_wait VM: wait until VM's sshd answers (after a reset), up to BOOT_TIMEOUT.
cmd_wait() {
    need_root
    require_up
    vm_ip "$1" >/dev/null
    wait_sshd "$BOOT_TIMEOUT" "$1" || die "$1 did not come back within ${BOOT_TIMEOUT}s"
}

# cmd_link VM up|down: the VM's tap on the lab bridge, i.e. its network cable.
cmd_link() {
    need_root
    require_up
    local vm=$1 state=${2:-}
    vm_ip "$vm" >/dev/null
    [[ $state == up || $state == down ]] || die "usage: lab link VM up|down"
    ip -n "$NETNS" link set "${VM_TAP[$vm]}" "$state"
    log "$vm: link ${VM_TAP[$vm]} $state"
}
