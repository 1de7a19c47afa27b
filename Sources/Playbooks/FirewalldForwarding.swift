import Fleet

/// Lets firewalld forward what fleet's hub must forward, each as an interface in a fleet-owned
/// zone with a fleet-owned policy out of it:
///
/// - the VLAN: zone `fleet-vlan` holding the VLAN interface, policy `fleet-vlan-out` accepting
///   traffic from it to any zone (the MicroVMs reach the internet through NAT);
/// - with Tailscale: zone `fleet-tailnet` holding `tailscale0`, policy `fleet-tailnet-in`
///   accepting traffic from it into `fleet-vlan` only. This is how the workstation reaches
///   flintlockd and the MicroVMs through the subnet router: firewalld rejects forwarding from an
///   interface in no zone (tailscale issue 4639), and tailscaled's own iptables rules cannot
///   override that. The zone has no services and the default target, so the tailnet reaches
///   neither the public side nor the hub's own services unless the operator opens them. The
///   policy also masquerades (as the hub's VLAN address), so hosts answer through the hub: the
///   SNAT tailscaled's `--snat-subnet-routes` would do, but kept by firewalld, since firewalld
///   starting or reloading can wipe tailscaled's iptables chains (seen in the lab at boot).
///
/// Why the docs' direct rules are not enough on current systems: since firewalld 0.9 (Debian 12
/// ships 1.3, Ubuntu 22.04 1.1) the nftables backend filters forwarded packets in its own
/// table too, and an interface bound to no zone matches no forwarding rule, so the VLAN's
/// traffic is rejected there whatever the iptables direct rules accept. Seen in the lab: a lease
/// from the hub, but no DNS and no HTTP through it until the zone and policy existed.
/// Nothing from outside is forwarded into the VLAN except from the tailnet; the check warns when
/// other zones or policies would (``InboundExposure``). Everything is fleet's own: the user's
/// zones are not touched, and teardown deletes them. firewalld without policies (< 0.9) gets a
/// clear error naming the `nftables` NAT backend.
enum FirewalldForwarding {
    static let zone = "fleet-vlan"
    static let policy = "fleet-vlan-out"
    static let tailnetZone = "fleet-tailnet"
    static let tailnetPolicy = "fleet-tailnet-in"
    /// The interface tailscaled creates.
    static let tailnetInterface = "tailscale0"

    /// One interface in a zone of fleet's, and the policy that forwards from that zone.
    struct Binding {
        var interface: String
        var zone: String
        var policy: String
        var egress: String
        /// Whether the policy masquerades what it forwards (as the hub's address on the egress side).
        var masquerade: Bool
        var words: String { ShellQuote.join([interface, zone, policy, egress, masquerade ? "yes" : "no"]) }
    }

    static func bindings(_ context: PlaybookContext) -> [Binding] {
        var list = [Binding(interface: context.vlanInterface, zone: zone, policy: policy, egress: "ANY", masquerade: false)]
        if context.inventory.tailscale != nil {
            list.append(Binding(interface: tailnetInterface, zone: tailnetZone, policy: tailnetPolicy, egress: zone,
                                masquerade: true))
        }
        return list
    }

    static func step(_ context: PlaybookContext) -> Step {
        let bindings = bindings(context)
        let each = { (function: String, list: [Binding]) in list.map { "\(function) \($0.words)" }.joined(separator: "\n") }
        let prelude = #"""
            fw() { firewall-cmd "$@"; }
            # zone_of LISTING IFACE: the zone holding IFACE in a --list-all-zones listing.
            zone_of() { printf '%s\n' "$1" | awk -v i="$2" '/^[^ \t]/ { name = $1 } /^  interfaces:/ { for (k = 2; k <= NF; k++) if ($k == i) print name }'; }
            # policy_in LISTING POLICY: that policy's block of a --list-all-policies listing.
            policy_in() { printf '%s\n' "$1" | awk -v p="$2" '/^[^ \t]/ { on = ($1 == p) } on'; }
            # policy_ok INFO INGRESS EGRESS MASQUERADE: the policy text says INGRESS -> EGRESS,
            # ACCEPT, and masquerades when MASQUERADE is yes.
            # One awk, not a grep per line: every process start counts on a slow hub.
            policy_ok() {
              printf '%s\n' "$1" | awk -v i="$2" -v e="$3" -v m="$4" '
                /^ *ingress-zones:/ { for (k = 2; k <= NF; k++) if ($k == i) ing = 1 }
                /^ *egress-zones:/ { for (k = 2; k <= NF; k++) if ($k == e) eg = 1 }
                /^ *target: ACCEPT$/ { t = 1 }
                /^ *masquerade: yes$/ { mq = 1 }
                END { exit !(ing && eg && t && (m != "yes" || mq)) }'
            }

            """#
        let check = prelude + FirewalldState.function + #"""
            command -v firewall-cmd >/dev/null 2>&1 || { echo "firewalld: not installed (no firewall-cmd)"; exit 1; }
            rc=0
            # Four full listings, read at once (``FirewalldState``), serve every binding and the
            # exposure warnings.
            fw_state || { echo "firewalld: $fw_error"; exit 1; }
            zones=$fw_zones policies=$fw_policies pzones=$fw_pzones ppolicies=$fw_ppolicies
            binding() {
              for where in runtime permanent; do
                if [ "$where" = runtime ]; then zl=$zones pl=$policies; else zl=$pzones pl=$ppolicies; fi
                z=$(zone_of "$zl" "$1")
                [ "$z" = "$2" ] || { echo "$where: $1 is in zone '${z:-none}', want $2"; rc=1; }
                info=$(policy_in "$pl" "$3")
                if ! policy_ok "$info" "$2" "$4" "$5"; then
                  m=; [ "$5" != yes ] || m=", masquerade"
                  echo "$where: policy $3 missing or not '$2 -> $4, ACCEPT$m'"
                  [ -z "$info" ] || printf '%s\n' "$info"
                  rc=1
                fi
              done
            }

            """# + each("binding", bindings) + "\n" + InboundExposure.firewalldZonesAndPolicies(context) + "\n" + #"""
            exit "$rc"
            """#
        // What is there comes from one read (``FirewalldState``), before and after the reload;
        // firewall-cmd only makes the changes.
        let apply = "set -e\n" + prelude + FirewalldState.function + #"""
            if ! fw_state; then
              if ! fw --permanent --get-policies >/dev/null 2>&1; then
                echo "this firewalld ($(fw --version)) has no policies (0.9 or later needed) and cannot forward the VLAN; use \"nat\": {\"backend\": \"nftables\"}" >&2
                exit 1
              fi
              echo "firewalld: $fw_error" >&2
              exit 1
            fi
            binding() {
              named "$fw_pzones" "$2" || fw --permanent --new-zone="$2"
              old=$(zone_of "$fw_pzones" "$1")
              if [ "$old" != "$2" ]; then
                for z in $old; do echo "$1: moving from zone $z to $2"; fw --permanent --zone="$z" --remove-interface="$1"; done
                fw --permanent --zone="$2" --add-interface="$1"
              fi
              named "$fw_ppolicies" "$3" || fw --permanent --new-policy="$3"
              info=$(policy_in "$fw_ppolicies" "$3")
              printf '%s\n' "$info" | grep -Eq "^ *ingress-zones:( .*)? $2( |$)" || fw --permanent --policy="$3" --add-ingress-zone="$2"
              printf '%s\n' "$info" | grep -Eq "^ *egress-zones:( .*)? $4( |$)" || fw --permanent --policy="$3" --add-egress-zone="$4"
              printf '%s\n' "$info" | grep -Eq '^ *target: ACCEPT$' || fw --permanent --policy="$3" --set-target=ACCEPT
              if [ "$5" = yes ] && ! printf '%s\n' "$info" | grep -Eq '^ *masquerade: yes$'; then
                fw --permanent --policy="$3" --add-masquerade
              fi
            }
            live() {
              [ "$(zone_of "$fw_zones" "$1")" = "$2" ] || fw --zone="$2" --change-interface="$1"
              policy_in "$fw_policies" "$3"
            }

            """# + each("binding", bindings) + "\n" + #"""
            # New zones and policies exist at runtime only after a reload; it also re-applies the
            # permanent direct rules, so nothing of fleet's is lost.
            fw --reload
            fw_state || { echo "firewalld: $fw_error (after the reload)" >&2; exit 1; }

            """# + each("live", bindings)
        // Reverse order: a policy into fleet-vlan goes before the zone it names.
        // What is there comes from one read, as for the check; firewall-cmd only deletes.
        let undo = "set -e\n" + prelude + FirewalldState.function + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            if ! fw_state; then
              [ "$fw_error" != "not running" ] || fw_error="firewalld is not running: start it so fleet's zones and policies can be removed"
              echo "$fw_error" >&2
              exit 1
            fi
            binding() {
              if named "$fw_ppolicies" "$3"; then fw --permanent --delete-policy="$3"; fi
              if named "$fw_pzones" "$2"; then
                # Unbind first: the interface may still exist (teardown removes the VLAN later).
                if [ "$(zone_of "$fw_pzones" "$1")" = "$2" ]; then
                  fw --permanent --zone="$2" --remove-interface="$1"
                fi
                fw --permanent --delete-zone="$2"
              fi
            }

            """# + each("binding", bindings.reversed()) + "\n" + "fw --reload"
        let undoCheck = prelude + FirewalldState.function + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            if ! fw_state; then
              [ "$fw_error" = "not running" ] || { echo "firewalld: $fw_error"; exit 1; }
              exit 0
            fi
            rc=0
            binding() {
              named "$fw_ppolicies" "$3" && { echo "policy $3 still there"; rc=1; }
              named "$fw_pzones" "$2" && { echo "zone $2 still there"; rc=1; }
              return 0
            }

            """# + each("binding", bindings) + "\n" + #"exit "$rc""#
        let zones = bindings.map { "\($0.interface) in \($0.zone)" }.joined(separator: ", ")
        return Step(id: "nat-forwarding", title: "firewalld forwards from \(zones)",
                    check: check, apply: apply, undo: undo, undoCheck: undoCheck)
    }
}
