import Fleet

/// NAT on the hub with a dedicated nftables table (`nat.backend == .nftables`), for hubs
/// without firewalld.
///
/// The table `ip fleet_nat` lives in `/etc/fleet/nat.nft` and is loaded by a oneshot unit of
/// its own, `fleet-nat.service`, ordered after `nftables.service` and `firewalld.service` so a
/// `flush ruleset` from either at boot cannot wipe it. The file deletes and recreates the table
/// in one transaction, so reloading it is atomic and never duplicates a rule. Only masquerading
/// is needed: without firewalld nothing drops forwarded traffic by default, and an accept in a
/// table of our own could not override another table's drop anyway. The check warns when no
/// forward chain drops by default, since then the VLAN is reachable from the parent's side.
/// Teardown stops the unit (which deletes the table) and removes the unit, the file and
/// `/etc/fleet` when empty.
///
/// With Tailscale, the table also masquerades what the tailnet sends into the VLAN (as the hub's
/// VLAN address, so hosts answer through the hub), as the firewalld backend's policy does: the
/// SNAT tailscaled adds itself is lost for good when anything flushes the ruleset (`systemctl
/// reload nftables` with Debian's `flush ruleset`; tailscale issue 11926), and fleet's unit is
/// `PartOf` and `ReloadPropagatedFrom` nftables.service, so its table comes back when that
/// service restarts or reloads.
///
/// A running firewalld is refused (drift in `check`, a failed apply with the fix in `up`): its
/// own forward filter rejects what arrives on an interface in none of its zones, which the
/// VLAN's is under this backend, and no rule in `fleet_nat` can accept past another table's
/// reject. fleet does not stop a firewall it did not install; the message says how.
enum NftablesNAT {
    static let table = "fleet_nat"
    static let unitName = "fleet-nat.service"
    static let rulesetPath = "/etc/fleet/nat.nft"

    static func steps(_ context: PlaybookContext) -> [Step] {
        let unit = Step.file(id: StepID.natUnit, path: "/etc/systemd/system/\(unitName)", content: unitFile(context),
                             title: "NAT unit \(unitName)").undoingAlso("systemctl daemon-reload")
        return [
            Step.aptPackages(id: "nftables-package", packages: ["nftables"]),
            Step.directory(id: "nat-config-dir", path: "/etc/fleet", title: "directory /etc/fleet",
                           managedEntries: ["nat.nft"]),
            Step.configFile(id: StepID.natRuleset, path: rulesetPath, content: rulesetContent(context),
                            title: "NAT ruleset \(rulesetPath)"),
            unit,
            rules(context),
        ]
    }

    /// The ruleset with `nat.uplink`, or with the hub's default-route interface read on the hub.
    static func rulesetContent(_ context: PlaybookContext) -> FileContent {
        let marker = "@@FLEET_UPLINK@@"
        let value = HostValue(marker: marker, script: FirewalldNAT.uplink(context), variable: "uplink")
        return value.content(ruleset(context, uplink: context.inventory.nat.uplink?.rawValue ?? marker))
    }

    static func ruleset(_ context: PlaybookContext, uplink: String) -> String {
        """
        #!/usr/sbin/nft -f
        # Managed by fleet: masquerade the Liquid Metal VLAN \(context.network.vlanId) \
        (\(context.network.subnet) on \(context.vlanInterface)) out of the uplink.
        table ip \(table)
        delete table ip \(table)
        table ip \(table) {
        \tchain postrouting {
        \t\ttype nat hook postrouting priority srcnat; policy accept;
        \t\tip saddr \(context.network.subnet) oifname "\(uplink)" masquerade
        \(tailnetRule(context).map { "\t\t\($0)\n" } ?? "")\t}
        }

        """
    }

    /// The tailnet's masquerade into the VLAN, when the hub is a Tailscale subnet router.
    static func tailnetRule(_ context: PlaybookContext) -> String? {
        guard context.inventory.tailscale != nil else { return nil }
        return "iifname \"\(FirewalldForwarding.tailnetInterface)\" ip daddr \(context.network.subnet) "
            + "oifname \"\(context.vlanInterface)\" masquerade"
    }

    static func unitFile(_ context: PlaybookContext) -> String {
        """
        # Managed by fleet: loads the NAT table for the Liquid Metal VLAN at boot.
        [Unit]
        Description=fleet: NAT for VLAN \(context.network.vlanId) (table ip \(table))
        After=network-pre.target nftables.service firewalld.service
        PartOf=nftables.service
        ReloadPropagatedFrom=nftables.service

        [Service]
        Type=oneshot
        RemainAfterExit=yes
        ExecStart=/usr/sbin/nft -f \(rulesetPath)
        ExecReload=/usr/sbin/nft -f \(rulesetPath)
        ExecStop=-/usr/sbin/nft delete table ip \(table)

        [Install]
        WantedBy=multi-user.target

        """
    }

    /// Shell: `firewalld_running`, and the refusal that names both ways out.
    static let firewalldGuard = Snippet.assign("firewalld_refusal", "firewalld is running on this hub: its forward "
        + "filter rejects the VLAN's traffic (the VLAN interface is in none of its zones), and the nftables backend "
        + "cannot accept past it. Use \"nat\": {\"backend\": \"firewalld\"}, or stop firewalld "
        + "(systemctl disable --now firewalld) if this hub should have none") + "\n" + #"""
        firewalld_running() { systemctl is-active --quiet firewalld.service 2>/dev/null; }

        """#

    static func rules(_ context: PlaybookContext) -> Step {
        let names = [Snippet.assign("unit", unitName), Snippet.assign("table", table)].joined(separator: "\n") + "\n"
        let prelude = names + [Snippet.assign("subnet", context.network.subnet.description), FirewalldNAT.uplink(context),
                               #"rule="ip saddr $subnet oifname \"$uplink\" masquerade""#,
                               Snippet.assign("tailnet_rule", tailnetRule(context) ?? "")].joined(separator: "\n") + "\n"
        let check = prelude + firewalldGuard + #"""
            rc=0
            if firewalld_running; then echo "$firewalld_refusal"; rc=1; fi
            # has_rule RULE: the listing in $out holds RULE as one line.
            has_rule() { printf '%s\n' "$out" | sed 's/^[[:space:]]*//' | grep -qxF -- "$1"; }
            if ! out=$(nft list table ip "$table" 2>&1); then
              echo "table ip $table: missing ($out)"; rc=1
            elif ! has_rule "$rule"; then
              echo "table ip $table: no rule '$rule'"; printf '%s\n' "$out"; rc=1
            elif [ -n "$tailnet_rule" ] && ! has_rule "$tailnet_rule"; then
              echo "table ip $table: no rule '$tailnet_rule'"; printf '%s\n' "$out"; rc=1
            fi
            e=$(systemctl is-enabled -- "$unit" 2>/dev/null); a=$(systemctl is-active -- "$unit" 2>/dev/null)
            [ "$e" = enabled ] && [ "$a" = active ] ||
              { echo "$unit: is-enabled ${e:-unknown}, is-active ${a:-unknown} (want enabled, active)"; rc=1; }
            exit "$rc"
            """#
        let apply = "set -e\n" + prelude + firewalldGuard + #"""
            if firewalld_running; then echo "$firewalld_refusal" >&2; exit 1; fi
            systemctl daemon-reload
            systemctl enable -- "$unit"
            systemctl restart -- "$unit"
            nft list table ip "$table"
            """#
        let undo = names + #"""
            systemctl stop -- "$unit" 2>/dev/null || true
            systemctl disable -- "$unit" 2>/dev/null || true
            if nft list table ip "$table" >/dev/null 2>&1; then nft delete table ip "$table"; fi
            exit 0
            """#
        let undoCheck = names + #"""
            rc=0
            if nft list table ip "$table" >/dev/null 2>&1; then echo "table ip $table: still there"; rc=1; fi
            if systemctl is-enabled --quiet -- "$unit" 2>/dev/null || systemctl is-active --quiet -- "$unit"; then
              echo "$unit: still enabled or active"; rc=1
            fi
            exit "$rc"
            """#
        return Step(id: "nat-rules", title: "NAT: nftables table ip \(table) masquerading \(context.network.subnet) via the uplink",
                    check: Snippet.allOf([check, InboundExposure.nftablesForwardPolicy(context)]), apply: apply,
                    undo: undo, undoCheck: undoCheck, notifiedBy: [StepID.natRuleset, StepID.natUnit])
    }
}
