import Fleet

/// Check-time warnings for a hub whose firewall would forward traffic from outside *into* the
/// VLAN. fleet itself only ever opens the VLAN → outside direction; these snippets look for what
/// someone else (or an earlier setup) added, and print `WARNING:` lines without failing the
/// check: the state fleet manages is still as desired, but the operator has to know.
///
/// Each looks at what one listing already shows, because every `firewall-cmd` is a Python
/// start-up that costs a second or more on a small hub.
enum InboundExposure {
    /// Shell words: the subnet's network address and size as integers, for awk's range test.
    static func subnetBounds(_ context: PlaybookContext) -> String {
        let subnet = context.network.subnet
        let first = subnet.address.value
        let last = subnet.broadcast.value
        return [Snippet.assign("net_first", String(first)), Snippet.assign("net_last", String(last))]
            .joined(separator: "\n")
    }

    /// awk helper shared by the scripts: `in_subnet(a)` for a dotted IPv4 address.
    static let awkInSubnet = #"""
        function in_subnet(a,    p, n) {
          if (split(a, p, ".") != 4) return 0
          n = ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4]
          return n >= first && n <= last
        }
        """#

    /// Warnings from the runtime direct rules in `$runtime` (the `--get-all-rules` listing the
    /// nat-rules check already made): a FORWARD accept towards the VLAN interface that is not
    /// limited to replies, and a DNAT into the subnet.
    static func directRules(_ context: PlaybookContext) -> String {
        subnetBounds(context) + "\n" + #"""
            printf '%s\n' "$runtime" | awk -v vif="$vif" -v first="$net_first" -v last="$net_last" '
            \#(awkInSubnet)
            / FORWARD / && / -o / && /-j ACCEPT/ && !/ESTABLISHED/ {
              for (i = 1; i < NF; i++) if ($i == "-o" && $(i + 1) == vif) {
                print "WARNING: direct rule \"" $0 "\" forwards new connections into " vif ": add -m conntrack --ctstate RELATED,ESTABLISHED or remove it"
              }
            }
            /-j DNAT/ {
              for (i = 1; i < NF; i++) if ($i == "--to-destination") {
                d = $(i + 1); sub(/:.*/, "", d)
                if (in_subnet(d)) print "WARNING: direct rule \"" $0 "\" forwards inbound traffic to " d " on the VLAN"
              }
            }'
            """#
    }

    /// Warnings from all zones and policies at runtime, read from the shell variables `zones`
    /// and `policies` (`--list-all-zones`, `--list-all-policies`, which the nat-forwarding check
    /// lists anyway): a port forward into the subnet, the parent's zone with target ACCEPT (it
    /// forwards whatever arrives), a policy from outside into the VLAN's zone (or ANY) with
    /// target ACCEPT, except fleet's own `fleet-tailnet-in` from the tailnet zone (the subnet
    /// router exists for it). Prints only; changes no exit status.
    static func firewalldZonesAndPolicies(_ context: PlaybookContext) -> String {
        [Snippet.assign("vif", context.vlanInterface), Snippet.assign("parent", context.parent),
         Snippet.assign("zone", FirewalldForwarding.zone), Snippet.assign("tzone", FirewalldForwarding.tailnetZone),
         Snippet.assign("tpolicy", context.inventory.tailscale == nil ? "" : FirewalldForwarding.tailnetPolicy),
         subnetBounds(context)].joined(separator: "\n") + "\n" + #"""
            { printf '%s\n' "$zones"; echo; echo "@policies"; printf '%s\n' "$policies"; } |
            awk -v zone="$zone" -v parent="$parent" -v vif="$vif" -v first="$net_first" -v last="$net_last" \
              -v tzone="$tzone" -v tpolicy="$tpolicy" '
            \#(awkInSubnet)
            function judge(    n, i, a, outside, inward) {
              if (name == "") return
              if (kind == "zone") {
                if (target == "ACCEPT" && index(" " ifaces " ", " " parent " "))
                  print "WARNING: firewalld zone " name " holds " parent " with target ACCEPT: it forwards anything arriving from outside, including into " vif
              } else {
                # the tailnet policy of fleet is the purpose of the subnet router, not an
                # exposure, as long as it takes traffic from the tailnet zone only.
                outside = 0; n = split(ing, a, " ")
                for (i = 1; i <= n; i++) if (a[i] != zone && a[i] != "HOST" && !(name == tpolicy && a[i] == tzone)) outside = 1
                inward = index(" " eg " ", " " zone " ") || index(" " eg " ", " ANY ")
                if (outside && inward && target == "ACCEPT")
                  print "WARNING: firewalld policy " name " accepts traffic from [" ing "] into [" eg "]: new connections from outside can reach the VLAN"
              }
              n = split(fports, a, " ")
              for (i = 1; i <= n; i++) if (match(a[i], /toaddr=[0-9.]+/)) {
                d = substr(a[i], RSTART + 7, RLENGTH - 7)
                if (in_subnet(d)) print "WARNING: firewalld " kind " " name " forwards " a[i] " into the VLAN"
              }
            }
            /^@policies$/ { judge(); name = ""; kind = "policy"; next }
            /^[^ \t]/ { judge(); name = $1; target = ""; ifaces = ""; ing = ""; eg = ""; fports = ""; key = ""; if (kind == "") kind = "zone"; next }
            /^  [a-z -]+:/ {
              key = $0; sub(/^  /, "", key); sub(/:.*/, "", key)
              value = $0; sub(/^  [a-z -]+:[ ]*/, "", value)
              if (key == "target") target = value
              else if (key == "interfaces") ifaces = value
              else if (key == "ingress-zones") ing = value
              else if (key == "egress-zones") eg = value
              else if (key == "forward-ports") fports = value
              next
            }
            /^\t/ { if (key == "forward-ports") { v = $0; sub(/^\t+/, "", v); fports = fports " " v } }
            END { judge() }'
            """#
    }

    /// nftables without firewalld: with forwarding on and no forward-hook chain that drops by
    /// default, any neighbour on the parent's network that routes the subnet via the hub reaches
    /// the VLAN. Always exits 0.
    static func nftablesForwardPolicy(_ context: PlaybookContext) -> String {
        [Snippet.assign("vif", context.vlanInterface), Snippet.assign("subnet", context.network.subnet.description)]
            .joined(separator: "\n") + "\n" + #"""
            [ "$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)" = 1 ] || exit 0
            if ! nft list ruleset 2>/dev/null | grep -Eq 'hook forward .*policy drop'; then
              echo "WARNING: forwarding is on and no nftables forward chain drops by default: hosts next to this hub that route $subnet via it reach $vif from outside"
            fi
            exit 0
            """#
    }
}
