import Fleet

/// NAT on the hub with firewalld direct rules, as in the Liquid Metal docs (§3.3), but leaving
/// by the uplink and for the VLAN subnet only:
/// `ipv4 filter FORWARD 0 -i <vlan> -o <uplink> -j ACCEPT` and
/// `ipv4 nat POSTROUTING 0 -s <subnet> -o <uplink> -j MASQUERADE`, each present permanently and
/// at runtime. The docs' `-o <parent>` without a source only works when the VLAN's parent is
/// also the way out, and masquerades the hub's own traffic too.
///
/// Rules are queried before they are added, so a re-run never duplicates one and never needs
/// `firewall-cmd --reload`. The hub records which rules fleet added and which identical ones
/// were there before it (``HostState``); teardown and an uplink change remove only fleet's.
/// Teardown removes fleet's rules (permanent and runtime) but leaves firewalld itself installed
/// and running: turning off a host's firewall is not a safe way to "undo", and the package stays
/// anyway.
///
/// `iptables` is installed with firewalld: direct rules are iptables rules even under
/// firewalld's nftables backend, and Debian only recommends it. When the inventory reaches the
/// hub's SSH on a port other than 22, that port is opened first-thing, because firewalld's
/// default zone allows only `ssh` (22) and would lock the next run out.
enum FirewalldNAT {
    static func steps(_ context: PlaybookContext) -> [Step] {
        let firewalld = Step.systemdUnit("firewalld", title: "firewalld running").keptAtTeardown()
        var steps = [Step.aptPackages(id: "firewalld-package", packages: ["firewalld", "iptables"]), firewalld]
        if let port = context.device.ssh.port, port != 22 { steps.append(sshPort(port)) }
        steps += [FirewalldForwarding.step(context), rules(context)]
        return steps
    }

    static func sshPort(_ port: Int) -> Step {
        let prelude = Snippet.assign("port", "\(port)/tcp") + "\n"
        let check = prelude + #"""
            rc=0
            firewall-cmd --query-port="$port" >/dev/null 2>&1 || { echo "runtime: port $port not open"; rc=1; }
            firewall-cmd --permanent --query-port="$port" >/dev/null 2>&1 || { echo "permanent: port $port not open"; rc=1; }
            exit "$rc"
            """#
        let apply = "set -e\n" + prelude + #"""
            firewall-cmd --query-port="$port" >/dev/null 2>&1 || firewall-cmd --add-port="$port"
            firewall-cmd --permanent --query-port="$port" >/dev/null 2>&1 || firewall-cmd --permanent --add-port="$port"
            """#
        return Step(id: "firewalld-ssh-port", title: "firewalld allows SSH on \(port)/tcp", check: check, apply: apply)
    }

    /// Sets `$uplink`: the inventory's `nat.uplink`, else the interface of the hub's IPv4
    /// default route. NAT leaves by the uplink, which is not always the VLAN's parent: a VLAN on a
    /// second, private NIC must still reach the internet.
    static func uplink(_ context: PlaybookContext) -> String {
        Snippet.assign("uplink", context.inventory.nat.uplink?.rawValue ?? "") + "\n" + #"""
            if [ -z "$uplink" ]; then
              uplink=$(ip -4 route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
              if [ -z "$uplink" ]; then
                echo "this hub has no IPv4 default route to tell the uplink NAT leaves by; set nat.uplink in the inventory" >&2
                exit 1
              fi
            fi
            """#
    }

    static func rules(_ context: PlaybookContext) -> Step {
        let names = [Snippet.assign("vif", context.vlanInterface), Snippet.assign("subnet", context.network.subnet.description),
                     HostState.assign("added", "firewalld-rules-added"), HostState.assign("kept", "firewalld-rules-kept")]
            .joined(separator: "\n") + "\n"
        let helpers = #"""
            # rule NAME OPTION...: firewall-cmd OPTION... followed by the words of direct rule NAME.
            rule() {
              name=$1; shift
              case "$name" in
                forward) firewall-cmd "$@" ipv4 filter FORWARD 0 -i "$vif" -o "$uplink" -j ACCEPT;;
                masquerade) firewall-cmd "$@" ipv4 nat POSTROUTING 0 -s "$subnet" -o "$uplink" -j MASQUERADE;;
              esac
            }
            show() {
              case "$1" in
                forward) echo "ipv4 filter FORWARD 0 -i $vif -o $uplink -j ACCEPT";;
                masquerade) echo "ipv4 nat POSTROUTING 0 -s $subnet -o $uplink -j MASQUERADE";;
              esac
            }
            # stale LISTING: rules of fleet's shape for this VLAN that leave by another interface
            # (an uplink that changed); their words are interface names, safe to split.
            stale() {
              printf '%s\n' "$1" | awk -v vif="$vif" -v subnet="$subnet" -v up="$uplink" '
                $1 == "ipv4" && $2 == "filter" && $3 == "FORWARD" && $4 == "0" && $5 == "-i" && $6 == vif && $7 == "-o" && $9 == "-j" && $10 == "ACCEPT" && NF == 10 && $8 != up { print }
                $1 == "ipv4" && $2 == "nat" && $3 == "POSTROUTING" && $4 == "0" && $5 == "-s" && $6 == subnet && $7 == "-o" && $9 == "-j" && $10 == "MASQUERADE" && NF == 10 && $8 != up { print }'
            }
            # mine LISTING: the stale rules fleet added itself ($added); a rule of the same shape
            # that someone else made is never removed.
            mine() { [ -s "$added" ] || return 0; stale "$1" | grep -xF -f "$added" || true; }
            listed() { [ -f "$2" ] && grep -qxF -- "$1" "$2"; }
            remember() { listed "$1" "$2" || { mkdir -p -- "$(dirname -- "$2")"; printf '%s\n' "$1" >>"$2"; }; }

            """#
        let prelude = names + uplink(context) + "\n" + helpers
        // Teardown removes fleet's rules whatever uplink they name, so a changed default route
        // does not strand them: "-" is no interface, so every rule of fleet's shape is "stale".
        let undoPrelude = names + "uplink=-\n" + helpers
        // Both listings read in one go (``FirewalldState``), as the docs verify it, rather than a
        // firewall-cmd per query: each is a Python start-up, seconds on a slow machine.
        let check = prelude + FirewalldState.function + #"""
            command -v firewall-cmd >/dev/null 2>&1 || { echo "firewalld: not installed (no firewall-cmd)"; exit 1; }
            fw_state || { echo "firewalld: $fw_error"; exit 1; }
            runtime=$fw_direct permanent=$fw_pdirect
            rc=0
            for r in forward masquerade; do
              printf '%s\n' "$runtime" | grep -qxF -- "$(show "$r")" || { echo "missing at runtime: $(show "$r")"; rc=1; }
              printf '%s\n' "$permanent" | grep -qxF -- "$(show "$r")" || { echo "missing permanently: $(show "$r")"; rc=1; }
            done
            old=$(mine "$runtime"; mine "$permanent")
            [ -z "$old" ] || { printf '%s\n' "$old" | sort -u | sed "s/^/leaves by another interface than the uplink $uplink: /"; rc=1; }

            """# + InboundExposure.directRules(context) + "\n" + #"""
            if [ "$rc" -ne 0 ]; then
              echo "--- direct rules at runtime (as firewall-cmd --direct --get-all-rules lists them)"; printf '%s\n' "$runtime"
              echo "--- direct rules, permanent (as firewall-cmd --permanent --direct --get-all-rules lists them)"; printf '%s\n' "$permanent"
            fi
            exit "$rc"
            """#
        // One listing of each set, read for every rule: a firewall-cmd per query is a Python
        // start-up. Removing stale rules leaves the current uplink's rules as listed.
        let apply = "set -e\n" + prelude + #"""
            runtime=$(firewall-cmd --direct --get-all-rules)
            permanent=$(firewall-cmd --permanent --direct --get-all-rules)
            mine "$runtime" | while read -r words; do
              echo "removing at runtime: $words"; firewall-cmd --direct --remove-rule $words
            done
            mine "$permanent" | while read -r words; do
              echo "removing permanently: $words"; firewall-cmd --permanent --direct --remove-rule $words
            done
            for r in forward masquerade; do
              text=$(show "$r")
              at_runtime=0; printf '%s\n' "$runtime" | grep -qxF -- "$text" && at_runtime=1
              permanently=0; printf '%s\n' "$permanent" | grep -qxF -- "$text" && permanently=1
              # The same rule already there, and not fleet's: someone else's, which teardown keeps.
              if ! listed "$text" "$added" && [ "$at_runtime$permanently" != 00 ]; then
                listed "$text" "$kept" || echo "there before fleet, kept at teardown: $text"
                remember "$text" "$kept"
              fi
              listed "$text" "$kept" || remember "$text" "$added"
              [ "$at_runtime" = 1 ] || rule "$r" --direct --add-rule
              [ "$permanently" = 1 ] || rule "$r" --permanent --direct --add-rule
            done
            firewall-cmd --direct --get-all-rules
            """#
        let undo = "set -e\n" + undoPrelude + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            if ! firewall-cmd --state >/dev/null 2>&1; then
              echo "firewalld is not running: start it (systemctl start firewalld) so its direct rules can be removed" >&2
              exit 1
            fi
            mine "$(firewall-cmd --direct --get-all-rules)" | while read -r words; do firewall-cmd --direct --remove-rule $words; done
            mine "$(firewall-cmd --permanent --direct --get-all-rules)" | while read -r words; do firewall-cmd --permanent --direct --remove-rule $words; done
            rm -f -- "$added"
            """#
        let undoCheck = undoPrelude + FirewalldState.function + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            if ! fw_state; then
              [ "$fw_error" = "not running" ] || { echo "firewalld: $fw_error"; exit 1; }
              # Not running: the permanent rules are still on disk if they are in direct.xml.
              if grep -qF -e ">-i $vif -o " -e ">-s $subnet -o " /etc/firewalld/direct.xml 2>/dev/null; then
                echo "firewalld is not running and /etc/firewalld/direct.xml still has fleet's rules"; exit 1
              fi
              exit 0
            fi
            left=$(mine "$fw_direct" | sed 's/^/still at runtime: /'; mine "$fw_pdirect" | sed 's/^/still permanent: /')
            [ -z "$left" ] || { printf '%s\n' "$left"; exit 1; }
            exit 0
            """#
        return Step(id: "nat-rules", title: "NAT: firewalld direct rules for \(context.network.subnet) from \(context.vlanInterface) via the uplink",
                    check: check, apply: apply, undo: undo, undoCheck: undoCheck)
    }
}
