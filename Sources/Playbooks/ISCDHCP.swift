import Fleet

/// The hub's DHCP server with ISC dhcpd, as in the Liquid Metal docs.
///
/// - `dhcp-config`: `/etc/dhcp/dhcpd.conf` rendered from the inventory, validated with
///   `dhcpd -t -4 -cf` before it replaces the live file; the packaged file is kept as
///   `dhcpd.conf.fleet-orig` and restored on teardown.
/// - `dhcp-interface`: the `INTERFACESv4=` line of `/etc/default/isc-dhcp-server` names the
///   VLAN interface (the whole line is replaced, the rest of the file kept; original restored on
///   teardown).
/// - `dhcp-server`: enabled and active, restarted only when one of the above (or the VLAN link)
///   changed; its check also wants dhcpd serving the VLAN interface (`Listening on LPF/<vlan>/`
///   in the journal, or, on Debian where `-q` hides that line, dhcpd's command line naming it).
///   Teardown stops and disables it; one that was running before fleet is left running and
///   restarted on the restored files.
enum ISCDHCP {
    static let service = "isc-dhcp-server"

    static func steps(_ context: PlaybookContext) -> [Step] {
        let configuration = Step.configFile(
            id: StepID.dhcpConfig, path: "/etc/dhcp/dhcpd.conf",
            content: UpstreamDNS.content(context.network.dnsServers) { config(context, dns: $0) },
            title: "DHCP configuration /etc/dhcp/dhcpd.conf",
            validate: #"dhcpd -t -4 -cf "$candidate""#, keepOriginal: true).restartingOnUndo(service)
        let interfaces = Step.configFile(
            id: StepID.dhcpInterface, path: "/etc/default/isc-dhcp-server", content: .generated(interfacesLine(context)),
            title: "DHCP interface \(context.vlanInterface) in /etc/default/isc-dhcp-server", keepOriginal: true)
            .restartingOnUndo(service)
        let server = Step.systemdUnit(service, notifiedBy: [StepID.dhcpConfig, StepID.dhcpInterface, StepID.vlanInterface],
                                      id: "dhcp-server", title: "DHCP server \(service)")
            .checkingAlso(listening(context))
        return [Step.aptPackages(id: "dhcp-package", packages: [service]), configuration, interfaces, server]
    }

    /// dhcpd.conf as in the docs (§3.2 of the setup notes), from the inventory's values.
    static func config(_ context: PlaybookContext, dns: String?) -> String {
        let network = context.network, dhcp = context.inventory.dhcp
        let dnsLine = dns.map { "  option domain-name-servers \($0);\n" } ?? ""
        // With a VLAN MTU below the usual 1500, clients must use it too, or they fragment.
        let mtuLine = network.mtu.map { "  option interface-mtu \($0);\n" } ?? ""
        return """
            # Managed by fleet: DHCP for the Liquid Metal VLAN \(network.vlanId) (\(context.vlanInterface)).
            default-lease-time \(dhcp.defaultLeaseTime);
            max-lease-time \(dhcp.maxLeaseTime);
            authoritative;

            subnet \(network.subnet.address) netmask \(network.subnet.netmask) {
              range \(network.dhcpPool.lowerBound) \(network.dhcpPool.upperBound);
              option routers \(network.gateway);
            \(dnsLine)\(mtuLine)}

            """
    }

    /// Prints `/etc/default/isc-dhcp-server` with its `INTERFACESv4=` line (the first one;
    /// later copies dropped) replaced by ours, or appended when there is none.
    static func interfacesLine(_ context: PlaybookContext) -> String {
        Snippet.assign("f", "/etc/default/isc-dhcp-server") + "\n"
            + Snippet.assign("line", "INTERFACESv4=\"\(context.vlanInterface)\"") + "\n" + #"""
            if [ ! -e "$f" ]; then printf '%s\n' "$line"; exit 0; fi
            LINE=$line awk '
              /^[ \t]*INTERFACESv4=/ { if (!done) print ENVIRON["LINE"]; done = 1; next }
              { print }
              END { if (!done) print ENVIRON["LINE"] }
            ' "$f"
            """#
    }

    /// dhcpd must serve the VLAN interface. Ubuntu's native unit logs `Listening on LPF/<vlan>/…`;
    /// Debian's SysV script starts dhcpd with `-q`, which suppresses those lines, so the check
    /// also accepts what `systemctl status` shows there: a dhcpd of the unit whose command line
    /// names the interface. dhcpd needs a moment after a (re)start, so an active service gets a
    /// few seconds.
    static func listening(_ context: PlaybookContext) -> String {
        Snippet.assign("u", service) + "\n" + Snippet.assign("vif", context.vlanInterface) + "\n" + #"""
            serving() {
              cg=$(systemctl show -p ControlGroup --value -- "$u" 2>/dev/null)
              for pid in $(cat "/sys/fs/cgroup$cg/cgroup.procs" 2>/dev/null); do
                [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dhcpd ] || continue
                tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF -- "$vif" && { echo "dhcpd $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline")"; return 0; }
              done
              return 1
            }
            i=0
            while :; do
              line=$(journalctl -u "$u" -b --no-pager -o cat 2>/dev/null | grep -F 'Listening on LPF/' | tail -n 1)
              case "$line" in *"LPF/$vif/"*) exit 0;; esac
              [ -z "$line" ] && serving >/dev/null && exit 0
              [ "$i" -lt 10 ] && systemctl is-active --quiet -- "$u" || break
              i=$((i + 1))
              sleep 1
            done
            echo "$u: dhcpd does not serve $vif (journal: ${line:-no 'Listening on' line}; no dhcpd of the unit names $vif)"
            systemctl status --no-pager -n 5 -- "$u" 2>&1
            exit 1
            """#
    }
}
