import Fleet

/// The hub's DHCP server with Kea (`dhcp.backend == .kea`), ISC's successor to the end-of-life
/// dhcpd, serving the same pool (§9 of the setup notes).
///
/// - `dhcp-config`: `/etc/kea/kea-dhcp4.conf` rendered from the inventory and validated with
///   `kea-dhcp4 -t` before it goes live. That test fails when the interface does not exist,
///   which is why the VLAN steps come first. The packaged file is kept and restored on teardown.
/// - `dhcp-server`: `kea-dhcp4-server` enabled and active, restarted when the configuration or
///   the VLAN link changed; its check also wants Kea to be listening on the VLAN interface.
enum KeaDHCP {
    static let service = "kea-dhcp4-server"

    static func steps(_ context: PlaybookContext) -> [Step] {
        let configuration = Step.configFile(
            id: StepID.dhcpConfig, path: "/etc/kea/kea-dhcp4.conf",
            content: UpstreamDNS.content(context.network.dnsServers) { config(context, dns: $0) },
            title: "DHCP configuration /etc/kea/kea-dhcp4.conf",
            validate: #"kea-dhcp4 -t "$candidate""#, keepOriginal: true).restartingOnUndo(service)
        let server = Step.systemdUnit(service, notifiedBy: [StepID.dhcpConfig, StepID.vlanInterface], id: "dhcp-server",
                                      title: "DHCP server \(service)")
            .checkingAlso(listening(context))
        return [Step.aptPackages(id: "dhcp-package", packages: [service]), configuration, server]
    }

    /// kea-dhcp4.conf. Kea reads `//` comments; every value is a validated address, number or
    /// interface name, so none needs JSON escaping.
    static func config(_ context: PlaybookContext, dns: String?) -> String {
        let network = context.network, dhcp = context.inventory.dhcp
        let dnsOption = dns.map { ",\n          { \"name\": \"domain-name-servers\", \"data\": \"\($0)\" }" } ?? ""
        // Option 26: with a VLAN MTU below the usual 1500, clients must use it too.
        let mtuOption = network.mtu.map { ",\n          { \"name\": \"interface-mtu\", \"data\": \"\($0)\" }" } ?? ""
        return """
            // Managed by fleet: DHCP for the Liquid Metal VLAN \(network.vlanId) (\(context.vlanInterface)).
            {
              "Dhcp4": {
                "interfaces-config": { "interfaces": [ "\(context.vlanInterface)" ] },
                "authoritative": true,
                "valid-lifetime": \(dhcp.defaultLeaseTime),
                "max-valid-lifetime": \(dhcp.maxLeaseTime),
                "lease-database": { "type": "memfile", "persist": true, "name": "/var/lib/kea/kea-leases4.csv" },
                "subnet4": [
                  {
                    "id": 1,
                    "subnet": "\(network.subnet)",
                    "pools": [ { "pool": "\(network.dhcpPool.lowerBound) - \(network.dhcpPool.upperBound)" } ],
                    "option-data": [
                      { "name": "routers", "data": "\(network.gateway)" }\(dnsOption)\(mtuOption)
                    ]
                  }
                ]
              }
            }

            """
    }

    /// Kea logs `DHCPSRV_CFGMGR_ADD_IFACE listening on interface <name>` when it opens the
    /// interface, and keeps a UDP socket on port 67 of its address; either is accepted, since the
    /// log may have rotated and the socket listing differs between socket types.
    static func listening(_ context: PlaybookContext) -> String {
        Snippet.assign("u", service) + "\n" + Snippet.assign("vif", context.vlanInterface) + "\n"
            + Snippet.assign("addr", context.address.description) + "\n" + #"""
            i=0
            while :; do
              journalctl -u "$u" -b --no-pager -o cat 2>/dev/null | grep -qF "listening on interface $vif" && exit 0
              ss -Hlunp 'sport = :67' 2>/dev/null | awk -v a="$addr:67" '$4 == a && /kea-dhcp4/' | grep -q . && exit 0
              [ "$i" -lt 10 ] && systemctl is-active --quiet -- "$u" || break
              i=$((i + 1))
              sleep 1
            done
            echo "$u: not listening on $vif (no 'listening on interface $vif' in this boot's journal, no socket on $addr:67)"
            ss -Hlunp 'sport = :67' 2>&1
            exit 1
            """#
    }
}
