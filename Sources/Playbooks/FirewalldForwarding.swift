import Fleet

/// Lets firewalld forward what comes in on the VLAN: a fleet-owned zone `fleet-vlan` holding the
/// VLAN interface, and a policy `fleet-vlan-out` accepting traffic from it to any zone.
///
/// Why the docs' direct rules are not enough on current systems: since firewalld 0.9 (Debian 12
/// ships 1.3, Ubuntu 22.04 1.1) the nftables backend filters forwarded packets in its own
/// table too, and an interface bound to no zone matches no forwarding rule, so the VLAN's
/// traffic is rejected there whatever the iptables direct rules accept. Seen in the lab: a lease
/// from the hub, but no DNS and no HTTP through it until the zone and policy existed.
/// The policy is one-way (VLAN → anywhere), so nothing from outside is forwarded into the VLAN;
/// the check warns when other zones or policies would (``InboundExposure``).
/// Everything is fleet's own: the user's zones are not touched, and teardown deletes both.
/// firewalld without policies (< 0.9) gets a clear error naming the `nftables` NAT backend.
enum FirewalldForwarding {
    static let zone = "fleet-vlan"
    static let policy = "fleet-vlan-out"

    static func step(_ context: PlaybookContext) -> Step {
        let prelude = [Snippet.assign("vif", context.vlanInterface), Snippet.assign("zone", zone),
                       Snippet.assign("policy", policy)].joined(separator: "\n") + "\n" + #"""
            fw() { firewall-cmd "$@"; }
            # policy_ok INFO: the policy's --info-policy text says ingress zone, egress ANY, ACCEPT.
            policy_ok() {
              printf '%s\n' "$1" | grep -Eq "^ *ingress-zones:( .*)? $zone( |$)" &&
                printf '%s\n' "$1" | grep -Eq '^ *egress-zones:( .*)? ANY( |$)' &&
                printf '%s\n' "$1" | grep -Eq '^ *target: ACCEPT$'
            }

            """#
        let check = prelude + #"""
            command -v firewall-cmd >/dev/null 2>&1 || { echo "firewalld: not installed (no firewall-cmd)"; exit 1; }
            rc=0
            # Runtime state from the two full listings (the exposure warnings read them too):
            # every firewall-cmd is a Python start-up, seconds on a small hub.
            zones=$(fw --list-all-zones 2>&1) || { echo "firewalld: ${zones:-not running}"; exit 1; }
            policies=$(fw --list-all-policies 2>&1) || policies=
            z=$(printf '%s\n' "$zones" | awk -v vif="$vif" '/^[^ \t]/ { name = $1 } /^  interfaces:/ { for (i = 2; i <= NF; i++) if ($i == vif) print name }')
            [ "$z" = "$zone" ] || { echo "runtime: $vif is in zone '${z:-none}', want $zone"; rc=1; }
            z=$(fw --permanent --get-zone-of-interface="$vif" 2>/dev/null)
            [ "$z" = "$zone" ] || { echo "permanent: $vif is in zone '${z:-none}', want $zone"; rc=1; }
            info=$(printf '%s\n' "$policies" | awk -v p="$policy" '/^[^ \t]/ { on = ($1 == p) } on')
            policy_ok "$info" || { echo "runtime: policy $policy missing or not '$zone -> ANY, ACCEPT'"; printf '%s\n' "$info"; rc=1; }
            info=$(fw --permanent --info-policy="$policy" 2>&1)
            policy_ok "$info" || { echo "permanent: policy $policy missing or not '$zone -> ANY, ACCEPT'"; rc=1; }

            """# + InboundExposure.firewalldZonesAndPolicies(context) + "\n" + #"""
            exit "$rc"
            """#
        let apply = "set -e\n" + prelude + #"""
            if ! fw --permanent --get-policies >/dev/null 2>&1; then
              echo "this firewalld ($(fw --version)) has no policies (0.9 or later needed) and cannot forward the VLAN; use \"nat\": {\"backend\": \"nftables\"}" >&2
              exit 1
            fi
            fw --permanent --get-zones | tr ' ' '\n' | grep -qxF -- "$zone" || fw --permanent --new-zone="$zone"
            old=$(fw --permanent --get-zone-of-interface="$vif" 2>/dev/null || true)
            if [ "$old" != "$zone" ]; then
              [ -z "$old" ] || fw --permanent --zone="$old" --remove-interface="$vif"
              fw --permanent --zone="$zone" --add-interface="$vif"
            fi
            fw --permanent --get-policies | tr ' ' '\n' | grep -qxF -- "$policy" || fw --permanent --new-policy="$policy"
            info=$(fw --permanent --info-policy="$policy")
            printf '%s\n' "$info" | grep -Eq "^ *ingress-zones:( .*)? $zone( |$)" || fw --permanent --policy="$policy" --add-ingress-zone="$zone"
            printf '%s\n' "$info" | grep -Eq '^ *egress-zones:( .*)? ANY( |$)' || fw --permanent --policy="$policy" --add-egress-zone=ANY
            printf '%s\n' "$info" | grep -Eq '^ *target: ACCEPT$' || fw --permanent --policy="$policy" --set-target=ACCEPT
            # New zones and policies exist at runtime only after a reload; it also re-applies the
            # permanent direct rules, so nothing of fleet's is lost.
            fw --reload
            [ "$(fw --get-zone-of-interface="$vif" 2>/dev/null)" = "$zone" ] || fw --zone="$zone" --change-interface="$vif"
            fw --info-policy="$policy"
            """#
        let undo = "set -e\n" + prelude + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            fw --state >/dev/null 2>&1 || { echo "firewalld is not running: start it so fleet's zone and policy can be removed" >&2; exit 1; }
            if fw --permanent --get-policies 2>/dev/null | tr ' ' '\n' | grep -qxF -- "$policy"; then fw --permanent --delete-policy="$policy"; fi
            if fw --permanent --get-zones | tr ' ' '\n' | grep -qxF -- "$zone"; then
              # Unbind first: the VLAN interface may still exist (teardown removes it later).
              if [ "$(fw --permanent --get-zone-of-interface="$vif" 2>/dev/null)" = "$zone" ]; then
                fw --permanent --zone="$zone" --remove-interface="$vif"
              fi
              fw --permanent --delete-zone="$zone"
            fi
            fw --reload
            """#
        let undoCheck = prelude + #"""
            command -v firewall-cmd >/dev/null 2>&1 || exit 0
            fw --state >/dev/null 2>&1 || exit 0
            rc=0
            fw --permanent --get-policies 2>/dev/null | tr ' ' '\n' | grep -qxF -- "$policy" && { echo "policy $policy still there"; rc=1; }
            fw --permanent --get-zones | tr ' ' '\n' | grep -qxF -- "$zone" && { echo "zone $zone still there"; rc=1; }
            exit "$rc"
            """#
        return Step(id: "nat-forwarding", title: "firewalld forwards from \(context.vlanInterface) (zone \(zone), policy \(policy))",
                    check: check, apply: apply, undo: undo, undoCheck: undoCheck)
    }
}
