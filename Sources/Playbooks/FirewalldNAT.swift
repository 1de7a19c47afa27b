import Fleet

/// NAT on the hub with firewalld direct rules, as in the Liquid Metal docs (§3.3):
/// `ipv4 filter FORWARD 0 -i <vlan> -o <parent> -j ACCEPT` and
/// `ipv4 nat POSTROUTING 0 -o <parent> -j MASQUERADE`, each present permanently and at runtime.
///
/// Rules are queried before they are added, so a re-run never duplicates one and never needs
/// `firewall-cmd --reload`. Teardown removes both rules (permanent and runtime) but leaves
/// firewalld itself installed and running: turning off a host's firewall is not a safe way to
/// "undo", and the package stays anyway.
///
/// `iptables` is installed with firewalld: direct rules are iptables rules even under
/// firewalld's nftables backend, and Debian only recommends it. When the inventory reaches the
/// hub's SSH on a port other than 22, that port is opened first-thing, because firewalld's
/// default zone allows only `ssh` (22) and would lock the next run out.
enum FirewalldNAT {
    static func steps(_ context: PlaybookContext) -> [Step] {
        var firewalld = Step.systemdUnit("firewalld", title: "firewalld running")
        firewalld.undo = nil
        firewalld.undoCheck = nil
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

    static func rules(_ context: PlaybookContext) -> Step {
        let prelude = [Snippet.assign("vif", context.vlanInterface), Snippet.assign("parent", context.parent)]
            .joined(separator: "\n") + "\n" + #"""
            # rule NAME OPTION...: firewall-cmd OPTION... followed by the words of direct rule NAME.
            rule() {
              name=$1; shift
              case "$name" in
                forward) firewall-cmd "$@" ipv4 filter FORWARD 0 -i "$vif" -o "$parent" -j ACCEPT;;
                masquerade) firewall-cmd "$@" ipv4 nat POSTROUTING 0 -o "$parent" -j MASQUERADE;;
              esac
            }
            has() { rule "$@" >/dev/null 2>&1; }
            show() {
              case "$1" in
                forward) echo "ipv4 filter FORWARD 0 -i $vif -o $parent -j ACCEPT";;
                masquerade) echo "ipv4 nat POSTROUTING 0 -o $parent -j MASQUERADE";;
              esac
            }

            """#
        // Two listings, as the docs verify it, rather than a query per rule: every firewall-cmd
        // is a Python start-up, seconds each on a slow machine.
        let check = prelude + #"""
            command -v firewall-cmd >/dev/null 2>&1 || { echo "firewalld: not installed (no firewall-cmd)"; exit 1; }
            runtime=$(firewall-cmd --direct --get-all-rules 2>&1) || { echo "firewalld: ${runtime:-not running}"; exit 1; }
            permanent=$(firewall-cmd --permanent --direct --get-all-rules 2>&1) || { echo "firewalld: $permanent"; exit 1; }
            rc=0
            for r in forward masquerade; do
              printf '%s\n' "$runtime" | grep -qxF -- "$(show "$r")" || { echo "missing at runtime: $(show "$r")"; rc=1; }
              printf '%s\n' "$permanent" | grep -qxF -- "$(show "$r")" || { echo "missing permanently: $(show "$r")"; rc=1; }
            done

            """# + InboundExposure.directRules(context) + "\n" + #"""
            if [ "$rc" -ne 0 ]; then
              echo "--- firewall-cmd --direct --get-all-rules"; printf '%s\n' "$runtime"
              echo "--- firewall-cmd --permanent --direct --get-all-rules"; printf '%s\n' "$permanent"
            fi
            exit "$rc"
            """#
        let apply = "set -e\n" + prelude + #"""
            for r in forward masquerade; do
              has "$r" --direct --query-rule || rule "$r" --direct --add-rule
              has "$r" --permanent --direct --query-rule || rule "$r" --permanent --direct --add-rule
            done
            firewall-cmd --direct --get-all-rules
            """#
        let undo = "set -e\n" + prelude + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            if ! firewall-cmd --state >/dev/null 2>&1; then
              echo "firewalld is not running: start it (systemctl start firewalld) so its direct rules can be removed" >&2
              exit 1
            fi
            for r in forward masquerade; do
              if has "$r" --direct --query-rule; then rule "$r" --direct --remove-rule; fi
              if has "$r" --permanent --direct --query-rule; then rule "$r" --permanent --direct --remove-rule; fi
            done
            """#
        let undoCheck = prelude + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            if ! firewall-cmd --state >/dev/null 2>&1; then
              # Not running: the permanent rules are still on disk if they are in direct.xml.
              if grep -qF -e ">-i $vif -o $parent -j ACCEPT<" -e ">-o $parent -j MASQUERADE<" /etc/firewalld/direct.xml 2>/dev/null; then
                echo "firewalld is not running and /etc/firewalld/direct.xml still has fleet's rules"; exit 1
              fi
              exit 0
            fi
            runtime=$(firewall-cmd --direct --get-all-rules 2>&1) || { echo "firewalld: $runtime"; exit 1; }
            permanent=$(firewall-cmd --permanent --direct --get-all-rules 2>&1) || { echo "firewalld: $permanent"; exit 1; }
            rc=0
            for r in forward masquerade; do
              printf '%s\n' "$runtime" | grep -qxF -- "$(show "$r")" && { echo "still at runtime: $(show "$r")"; rc=1; }
              printf '%s\n' "$permanent" | grep -qxF -- "$(show "$r")" && { echo "still permanent: $(show "$r")"; rc=1; }
            done
            exit "$rc"
            """#
        return Step(id: "nat-rules", title: "NAT: firewalld direct rules for \(context.vlanInterface) via \(context.parent)",
                    check: check, apply: apply, undo: undo, undoCheck: undoCheck)
    }
}
