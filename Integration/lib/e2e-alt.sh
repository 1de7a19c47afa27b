# shellcheck shell=bash
# shellcheck disable=SC2154 # lab, fleet, out, root and the helpers are Integration/e2e's
# Section 6 of Integration/e2e, sourced by it: every other option the README offers, at once
# (inventory/lab-alt.json: Kea, the nftables NAT backend, a non-root SSH user through `sudo -n`,
# a VLAN MTU below the parent's, `dnsServers: "auto"`, bridge mode), on the same VMs after
# section 5's teardown of the first inventory: no new boot, so this is also a second converge of
# machines fleet has converged and torn down once. Every claim is checked on the VMs.
alt=inventory/lab-alt.json
alt_mtu=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["network"]["mtu"])' "$alt")
alt_user=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ssh"]["user"])' "$alt")
declare -A sudoers_before=()
# What sudo reads, before fleet logs in as $alt_user: teardown must leave it as it was.
sudoers_state() { on "$1" 'ls -lAn --time-style=+ /etc/sudoers.d; sha256sum /etc/sudoers /etc/sudoers.d/*'; }
for vm in hub host-0 host-1; do sudoers_before[$vm]=$(sudoers_state "$vm"); done

# The first inventory's teardown left firewalld installed and running (fleet installed it, and
# packages stay). Under it the nftables backend cannot forward the VLAN, and fleet says so.
fleet_run alt-up-firewalld 2 up "$alt" --limit hub --only nat-rules
check "up refuses nftables NAT under a running firewalld, saying why and with both ways out" \
    sh -c "grep -qF 'firewalld is running on this hub' '$out/alt-up-firewalld.out' && grep -qF 'or stop firewalld (systemctl disable --now firewalld)' '$out/alt-up-firewalld.out'"
check "hub: the refused apply made no table and enabled no unit" \
    sh -c "! '$lab' ssh hub -- 'nft list table ip fleet_nat' >/dev/null 2>&1 && ! '$lab' ssh hub -- systemctl is-enabled --quiet fleet-nat.service"
# A hub without firewalld, as this backend is for.
on hub 'systemctl disable --now firewalld' >/dev/null 2>&1

timed "fleet up (other options, after teardown)" -- fleet_run alt-up 0 up "$alt"
timed "fleet up (other options, warm)" -- fleet_run alt-up-warm 0 up "$alt"
check "other options: second up reports zero changes" says alt-up-warm "converged: nothing to change"
# Host keys, against the VMs' real sshd: the lab's known_hosts is its own ssh-keyscan at boot.
timed "fleet check (other options)" -- fleet_run alt-check 0 check "$alt" --strict-host-keys
# The same config with a known_hosts that lacks host-1: unknown is refused under --strict-host-keys.
grep -v '^203\.0\.113\.12 ' Integration/lab/.run/known_hosts >"$out/known_hosts-no-host-1"
sed "s|UserKnownHostsFile .*|UserKnownHostsFile $out/known_hosts-no-host-1|" "$ssh_config" >"$out/ssh_config-no-host-1"
"$lab" exec -- "$fleet" check "$alt" --strict-host-keys --limit host-1 --ssh-config "$out/ssh_config-no-host-1" \
    --state-dir "$state" >"$out/alt-strict-unknown.out" 2>&1
rc=$?
check "--strict-host-keys refuses host-1, whose key is not in known_hosts: exit 3 with the keyscan fix ($rc)" \
    sh -c "[ $rc -eq 3 ] && grep -qF 'is not known and --strict-host-keys is set' '$out/alt-strict-unknown.out'"

for vm in hub host-0 host-1; do
    check "$vm: fleet logged in as $alt_user and ran its steps through sudo -n (sshd's and sudo's journal)" \
        sh -c "'$lab' ssh $vm -- journalctl -b --no-pager _COMM=sshd | grep -q 'Accepted publickey for $alt_user ' &&
               '$lab' ssh $vm -- journalctl -b --no-pager _COMM=sudo | grep -q '$alt_user : .*USER=root ; COMMAND=/bin/sh -s'"
    check "$vm: bond0.1000 has the inventory's MTU $alt_mtu, below the parent's" \
        sh -c "'$lab' ssh $vm -- ip -o link show dev bond0.1000 | grep -q ' mtu $alt_mtu ' && '$lab' ssh $vm -- ip -o link show dev bond0 | grep -q ' mtu 1500 '"
done
check "hub: Kea serves the VLAN (active, its own config test passes), ISC dhcpd does not" \
    sh -c "'$lab' ssh hub -- 'systemctl is-active --quiet kea-dhcp4-server && kea-dhcp4 -t /etc/kea/kea-dhcp4.conf >/dev/null && ! systemctl is-active --quiet isc-dhcp-server'"
check "hub: nftables table ip fleet_nat masquerades the VLAN out of bond0; firewalld is off" \
    sh -c "'$lab' ssh hub -- nft list table ip fleet_nat | grep -qF 'ip saddr 192.168.10.0/25 oifname \"bond0\" masquerade' && ! '$lab' ssh hub -- systemctl is-active --quiet firewalld"

# The workstation's certificates for this inventory's own CA (a new environment, a new CA).
on hub 'echo 192.168.10.0/25 >/var/lib/tailscale/approved-routes'
fleet_run alt-output 0 output "$alt" --json
alt_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]] or "")' "$out/alt-output.out" "$1"; }
for pair in "$(alt_field ca_certificate):ca.crt" "$(alt_field client_certificate):client.crt" "$(alt_field client_key):client.key"; do
    "$lab" ssh hub -- "umask 077; cat >/root/e2e-tls/${pair##*:}" <"${pair%:*}"
done
for _ in $(seq 1 15); do tailnet ip route show 2>/dev/null | grep -q '^192.168.10.0/25' && break; sleep 1; done
for addr in 192.168.10.3 192.168.10.4; do
    check "other options: the tailnet end opens flintlockd's port on $addr through the subnet router (nftables, no firewalld)" tcp_open "$addr" 9090
done

# Debian's /etc/nftables.conf begins with `flush ruleset`: a restart of nftables.service wipes
# tailscaled's SNAT for good (tailscale issue 11926). fleet's table comes back with it (PartOf)
# and masquerades the tailnet's traffic itself, so the paths below are proven after the flush.
on hub 'systemctl restart nftables.service'
check "hub: after nftables.service's flush, tailscaled's ts-postrouting is gone and table ip fleet_nat is back with the tailnet's masquerade" \
    sh -c "! '$lab' ssh hub -- 'nft list chain ip nat ts-postrouting' >/dev/null 2>&1 &&
           '$lab' ssh hub -- nft list table ip fleet_nat | grep -qF 'iifname \"tailscale0\" ip daddr 192.168.10.0/25 oifname \"bond0.1000\" masquerade'"
check "other options: after the flush, the tailnet end still opens flintlockd's port on 192.168.10.3" tcp_open 192.168.10.3 9090

# The DNS servers `auto` must hand out: the hub's own, read here on the hub.
hub_dns=$(on hub "awk '\$1 == \"nameserver\" { print \$2; exit }' /etc/resolv.conf")
reply=$(api 192.168.10.3 "microvm create e2e-alt tap")
tap=$(printf '%s\n' "$reply" | awk '$1 == "ok" { print $3 }') ns=$(printf '%s\n' "$reply" | awk '$1 == "ok" { print $4 }')
check "host-0: with this CA's client certificate, flintlockd creates a MicroVM with a tap on fleetbr0 ($reply)" \
    sh -c "[ -n '$tap' ] && '$lab' ssh host-0 -- ip -d link show dev '$tap' | grep -q 'master fleetbr0'"
on host-0 "mkdir -p /etc/netns/$ns && : >/etc/netns/$ns/resolv.conf &&
    ip netns exec $ns timeout 60 dhclient -4 -1 -pf /run/$ns-dhclient.pid -lf /run/$ns.leases eth0" >"$out/dhcp-alt.log" 2>&1
alt_lease=$(on host-0 "ip netns exec $ns ip -4 -o addr show dev eth0" | awk '{print $4}' | cut -d/ -f1)
check "host-0: Kea leased the MicroVM an address in the pool (${alt_lease:-none})" \
    sh -c "case '$alt_lease' in 192.168.10.*) [ '${alt_lease##*.}' -ge 26 ] && [ '${alt_lease##*.}' -le 126 ];; *) false;; esac"
check "host-0: the lease carries the MTU (option interface-mtu $alt_mtu) and the MicroVM's eth0 took it" \
    sh -c "'$lab' ssh host-0 -- \"grep -qF 'option interface-mtu $alt_mtu;' /run/$ns.leases\" && '$lab' ssh host-0 -- ip netns exec $ns ip -o link show dev eth0 | grep -q ' mtu $alt_mtu '"
check "host-0: router offered is the hub" sh -c "'$lab' ssh host-0 -- ip netns exec $ns ip route | grep -q 'default via 192.168.10.2'"
check "host-0: DNS server offered is the hub's own resolver, as read on the hub (${hub_dns:-none})" \
    sh -c "[ -n '$hub_dns' ] && '$lab' ssh host-0 -- cat /etc/netns/$ns/resolv.conf | grep -qx 'nameserver $hub_dns'"
check "host-0: the MicroVM reaches upstream through the hub's nftables NAT (source is the hub's public address)" \
    sh -c "'$lab' ssh host-0 -- ip netns exec $ns curl -fsS --max-time 20 http://upstream.lab.test/upstream | grep -q 'hello 203.0.113.10$'"
check "host-0: the MicroVM answers the tailnet end (ping ${alt_lease:-none})" tailnet "ping -c 2 -W 5 ${alt_lease:-192.0.2.1}"

# Drift by hand on the pieces of these backends; check names each, up repairs.
on hub 'systemctl stop kea-dhcp4-server; nft delete table ip fleet_nat'
on host-1 'ip link set dev bond0.1000 mtu 1500'
fleet_run alt-check-drift 4 check "$alt"
for item in "hub | DRIFT | dhcp-server" "hub | DRIFT | nat-rules" "host-1 | DRIFT | vlan-interface"; do
    check "other options: check names '$item'" says alt-check-drift "$item"
done
check "other options: the MTU drift is named with both values" says alt-check-drift "bond0.1000: mtu 1500, want $alt_mtu"
timed "fleet up (other options, repair)" -- fleet_run alt-up-repair 0 up "$alt"
check "after the repair: Kea active, table ip fleet_nat back, host-1's bond0.1000 at MTU $alt_mtu again" \
    sh -c "'$lab' ssh hub -- 'systemctl is-active --quiet kea-dhcp4-server && nft list table ip fleet_nat >/dev/null' &&
           '$lab' ssh host-1 -- ip -o link show dev bond0.1000 | grep -q ' mtu $alt_mtu '"

# A boot brings back what these backends keep only at runtime: the table (fleet-nat.service, after
# nftables.service), Kea on the VLAN, the MTU on the VLAN link.
timed "reboot hub (other options)" -- "$lab" reboot hub
fleet_run alt-check-after-reboot 0 check "$alt"
check "after the hub's reboot: table ip fleet_nat is loaded again, Kea is active, bond0.1000 at MTU $alt_mtu" \
    sh -c "'$lab' ssh hub -- 'nft list table ip fleet_nat >/dev/null && systemctl is-active --quiet kea-dhcp4-server' &&
           '$lab' ssh hub -- ip -o link show dev bond0.1000 | grep -q ' mtu $alt_mtu '"
for _ in $(seq 1 30); do tailnet ip route show 2>/dev/null | grep -q '^192.168.10.0/25' && break; sleep 2; done
check "after the hub's reboot: the tailnet end still opens flintlockd on 192.168.10.4" tcp_open 192.168.10.4 9090

on host-0 "[ -f /run/$ns-dhclient.pid ] && kill \"\$(cat /run/$ns-dhclient.pid)\"; rm -f /run/$ns*" >/dev/null 2>&1
deleted=$(api 192.168.10.3 "microvm delete e2e-alt")
check "host-0: the MicroVM is deleted through the API ($deleted)" sh -c "printf '%s' '$deleted' | grep -q '^ok '"
on host-0 "rm -rf /etc/netns/$ns" >/dev/null 2>&1

timed "fleet teardown (other options)" -- fleet_run alt-teardown 0 teardown --yes "$alt"
for vm in hub host-0 host-1; do
    check "$vm: after the second teardown no bond0.1000, no VLAN unit" \
        sh -c "! '$lab' ssh $vm -- ip link show bond0.1000 >/dev/null 2>&1 && ! '$lab' ssh $vm -- 'ls /etc/systemd/system/fleet-vlan-*' >/dev/null 2>&1"
    check "$vm: sudo's configuration is as it was before fleet logged in as $alt_user" \
        test "$(sudoers_state "$vm")" = "${sudoers_before[$vm]}"
    # /run/user/UID is logind's, for the session's lifetime, not the run's.
    check "$vm: no directory of a run's program left under /run or /tmp, nothing there owned by $alt_user" \
        sh -c "[ -z \"\$('$lab' ssh $vm -- 'ls -d /run/fleet.* /tmp/fleet.* 2>/dev/null
            find /run /tmp /var/tmp -xdev -path /run/user -prune -o -user $alt_user -print 2>/dev/null')\" ]"
done
check "hub: Kea's configuration is the package's own again (dpkg --verify: no file under /etc changed), with no VLAN pool" \
    sh -c "[ -z \"\$('$lab' ssh hub -- dpkg --verify kea-dhcp4-server | grep ' /etc/')\" ] && ! '$lab' ssh hub -- grep -q 192.168.10.26 /etc/kea/kea-dhcp4.conf"
check "hub: no nftables table fleet_nat, no fleet-nat unit, no /etc/fleet" \
    sh -c "! '$lab' ssh hub -- nft list tables | grep -q fleet_nat && ! '$lab' ssh hub -- 'ls -d /etc/fleet /etc/systemd/system/fleet-nat.service' >/dev/null 2>&1"
check "hub: no tailscale0 after the second teardown" sh -c "! '$lab' ssh hub -- ip link show tailscale0 >/dev/null 2>&1"
check "the Tailscale key is in no output or run log of these runs, nor in any file on the hub (sudo's log included)" \
    sh -c "! grep -rqF '$key' '$out' '$state' && ! '$lab' ssh hub -- grep -rqsF '$key' /etc /var/lib /var/log /run /tmp /root /home"

# A machine reinstalled under the same address: host-1's sshd gets new host keys. Its old keys
# are kept aside and put back, so the lab's own ssh still knows it afterwards.
on host-1 'mkdir -p /root/e2e-hostkeys && cp -a /etc/ssh/ssh_host_* /root/e2e-hostkeys/ && rm -f /etc/ssh/ssh_host_* &&
    ssh-keygen -A >/dev/null && systemctl restart ssh'
"$lab" exec -- "$fleet" check "$alt" --limit host-1 --ssh-config "$ssh_config" --state-dir "$state" >"$out/alt-changed-key.out" 2>&1
rc=$?
check "a changed host key is refused even without --strict-host-keys: exit 3 with the ssh-keygen -R fix ($rc)" \
    sh -c "[ $rc -eq 3 ] && grep -qF 'has CHANGED since it was recorded' '$out/alt-changed-key.out' && grep -qF 'ssh-keygen -R 203.0.113.12' '$out/alt-changed-key.out'"
on host-1 'cp -a /root/e2e-hostkeys/ssh_host_* /etc/ssh/ && rm -rf /root/e2e-hostkeys && systemctl restart ssh'
