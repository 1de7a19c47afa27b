import Fleet

/// The DNS servers a DHCP configuration hands out: a fixed list from the inventory, or the
/// hub's own upstream resolvers, read on the hub whenever the file is checked or written (so a
/// dry run's diff shows the servers that would be used).
enum UpstreamDNS {
    /// Stands for the comma-separated server list in a rendered template.
    static let marker = "@@FLEET_DNS_SERVERS@@"

    /// The file content: `render` gets the server list text ("a, b"), or nil when the
    /// inventory lists no servers (the DNS option is then left out).
    static func content(_ servers: DNSServers, render: (String?) -> String) -> FileContent {
        switch servers {
        case .list(let list):
            return .literal(render(list.isEmpty ? nil : list.map(\.description).joined(separator: ", ")))
        case .auto:
            let value = HostValue(marker: marker, script: resolverFunction + "\ndns=$(upstream_dns) || exit 1",
                                  variable: "dns")
            return value.content(render(marker))
        }
    }

    /// `upstream_dns` prints the hub's upstream IPv4 resolvers as "a, b": systemd-resolved's
    /// (`resolvectl dns`, then its `/run/systemd/resolve/resolv.conf`), else the nameservers of
    /// `/etc/resolv.conf`. Loopback addresses (the 127.0.0.53 stub) are useless to DHCP clients
    /// and are skipped, and so are Tailscale's resolver 100.100.100.100 and any resolver of the
    /// `tailscale0` link (the VLAN cannot reach them); `#name` and `%interface` suffixes are dropped.
    static let resolverFunction = #"""
        upstream_dns() (
          pick() {
            tr -s ' \t,' '\n\n\n' | sed 's/[#%].*//' | grep -E '^([0-9]{1,3}\.){3}[0-9]{1,3}$' |
              grep -v -e '^127\.' -e '^100\.100\.100\.100$' | awk '!seen[$0]++'
          }
          list=$(resolvectl dns 2>/dev/null | grep -vF '(tailscale0)' | sed 's/^[^:]*://' | pick)
          [ -n "$list" ] || list=$(awk '$1 == "nameserver" { print $2 }' /run/systemd/resolve/resolv.conf 2>/dev/null | pick)
          [ -n "$list" ] || list=$(awk '$1 == "nameserver" { print $2 }' /etc/resolv.conf 2>/dev/null | pick)
          # tailscaled in direct mode keeps the resolv.conf it replaced here.
          [ -n "$list" ] || list=$(awk '$1 == "nameserver" { print $2 }' /etc/resolv.pre-tailscale-backup.conf 2>/dev/null | pick)
          if [ -z "$list" ]; then
            echo "no upstream IPv4 DNS server found on this hub (resolvectl dns, /etc/resolv.conf);" \
              "set network.dnsServers in the inventory" >&2
            exit 1
          fi
          printf '%s\n' "$list" | paste -sd, - | sed 's/,/, /g'
        )
        """#
}
