import Fleet

/// The private VLAN on every device: `8021q`, the `<parent>.<VLAN>` link with the device's
/// address, and a oneshot unit that recreates it at boot.
///
/// Persistence is a oneshot systemd unit, `fleet-vlan-<parent>.<VLAN>.service`, not netplan,
/// ifupdown, NetworkManager or systemd-networkd: which of those (if any) manages a machine
/// differs between Debian 12, Ubuntu 22.04/24.04 and provider images, and the lab configures
/// `bond0` itself from a boot-time oneshot. Plain `ip` in a unit works under all of them and
/// touches nothing they own. The unit waits for the parent's device unit, runs before
/// `network.target` (so DHCP and flintlockd, ordered after the network, find the link), and
/// deletes the link when stopped, unless the link was there before fleet's first apply (made by
/// ifupdown or netplan, recorded in `/var/lib/fleet/link-<vlan>`): such a link stays at teardown,
/// with its MTU, and only fleet's address and bridge go. It is bound to the parent's device unit
/// and wanted by it, so a parent that goes away (a bond re-created) takes the VLAN down and
/// brings it back when it returns. In bridge mode (the default on MicroVM hosts: flintlock's
/// Firecracker provider attaches each MicroVM's tap to it) it also creates the bridge, marks it
/// as fleet's with an `ifalias`, enslaves the VLAN link and puts the address on the bridge.
enum VLAN {
    /// The `ifalias` of the MicroVM bridge fleet creates; a bridge without it is not fleet's.
    static let bridgeAlias = "fleet-microvm-bridge"

    static func steps(_ context: PlaybookContext) -> [Step] {
        let unitFile = Step.file(id: StepID.vlanUnit, path: "/etc/systemd/system/\(context.vlanUnit)",
                                 content: unit(context), title: "VLAN unit \(context.vlanUnit)")
            .undoingAlso("systemctl daemon-reload")
        return [Step.kernelModule("8021q"), unitFile, interface(context)]
    }

    /// The unit file. Every `ExecStart` line is idempotent, so starting it over a link that
    /// already exists converges instead of failing.
    static func unit(_ context: PlaybookContext) -> String {
        let vlan = context.vlanInterface, parent = context.parent, network = context.network
        var start = ["-/sbin/ip link add link \(parent) name \(vlan) type vlan id \(network.vlanId)"]
        // A link that was there before fleet (ifupdown, netplan) stays when the unit stops.
        var stop = ["-/bin/sh -c 'grep -qs ^kept \(linkRecord(vlan)) || exec /sbin/ip link delete dev \(vlan)'"]
        // Non-fatal: a parent whose MTU is lower at boot must not cost the host its VLAN (the
        // check reports the MTU as drift instead).
        if let mtu = network.mtu { start.append("-/sbin/ip link set dev \(vlan) mtu \(mtu)") }
        if let bridge = context.bridge {
            // The alias marks the bridge as fleet's: only a bridge carrying it is used or deleted.
            start += ["-/sbin/ip link add name \(bridge) type bridge",
                      "/sbin/ip link set dev \(bridge) alias \(bridgeAlias)",
                      "/sbin/ip link set dev \(vlan) master \(bridge)",
                      "/sbin/ip link set dev \(bridge) up"]
            // `$$` is systemd's escape for a literal `$`.
            stop.append("-/bin/sh -c 'test \"$$(cat /sys/class/net/\(bridge)/ifalias)\" = \(bridgeAlias) && exec /sbin/ip link delete dev \(bridge)'")
        }
        start += ["/sbin/ip addr replace \(context.cidrAddress) dev \(context.addressInterface)",
                  "/sbin/ip link set dev \(vlan) up"]
        let device = PlaybookContext.deviceUnit(forInterface: parent)
        return """
            # Managed by fleet: VLAN \(network.vlanId) on \(parent) as \(vlan), \(context.cidrAddress) on \
            \(context.addressInterface).
            [Unit]
            Description=fleet: VLAN \(network.vlanId) on \(parent) (\(vlan))
            BindsTo=\(device)
            After=\(device) network-pre.target
            Wants=network.target
            Before=network.target

            [Service]
            Type=oneshot
            RemainAfterExit=yes
            \(start.map { "ExecStart=\($0)" }.joined(separator: "\n"))
            \(stop.map { "ExecStop=\($0)" }.joined(separator: "\n"))

            [Install]
            WantedBy=multi-user.target \(device)

            """
    }

    /// The host's record of the VLAN link as fleet's first apply found it: `made` (fleet created
    /// it), or `kept <mtu> <yes|no>` for a link someone else made, with its MTU then and whether
    /// it had the address already. Teardown leaves a kept link in place.
    static func linkRecord(_ vlan: String) -> String { "\(HostState.directory)/\(linkRecordName(vlan))" }
    static func linkRecordName(_ vlan: String) -> String { "link-\(vlan)" }

    private static func prelude(_ context: PlaybookContext) -> String {
        var lines = [Snippet.assign("vif", context.vlanInterface), Snippet.assign("parent", context.parent),
                     Snippet.assign("id", String(context.network.vlanId)),
                     Snippet.assign("addr", context.cidrAddress), Snippet.assign("aif", context.addressInterface),
                     Snippet.assign("unit", context.vlanUnit),
                     Snippet.assign("bridge", context.bridge ?? ""), Snippet.assign("alias", bridgeAlias),
                     HostState.assign("record", "address-\(context.vlanInterface)"),
                     HostState.assign("before", linkRecordName(context.vlanInterface)),
                     Snippet.assign("mtu", context.network.mtu.map(String.init) ?? "")]
        // Helpers over `ip -d link show` output: the name field ("bond0.1000@bond0:"), the
        // flags, a keyword's value on the first line, and the VLAN detail line.
        lines.append(#"""
            first() { ip -d link show dev "$1" 2>/dev/null | head -n 1; }
            field() { printf '%s\n' "$1" | awk -v k="$2" 'NR == 1 { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
            is_up() { case "$(printf '%s\n' "$1" | awk 'NR == 1 { print $3 }')" in *"<UP,"*|*",UP,"*|*",UP>"*|*"<UP>"*) return 0;; esac; return 1; }
            # ours_bridge: the bridge exists, is a bridge, and carries fleet's alias.
            ours_bridge() {
              ip -d link show dev "$bridge" 2>/dev/null |
                awk -v a="$alias" '$1 == "alias" && $2 == a { al = 1 } $1 == "bridge" { br = 1 } END { exit !(al && br) }'
            }
            # has_addr IFACE CIDR: IFACE carries the IPv4 address CIDR.
            has_addr() { ip -4 -o addr show dev "$1" 2>/dev/null | awk '$3 == "inet" { print $4 }' | grep -qxF -- "$2"; }
            # foreign_bridge: bridge mode, and an interface of the bridge's name that is not fleet's.
            foreign_bridge() { [ -n "$bridge" ] && [ -n "$(first "$bridge")" ] && ! ours_bridge; }
            # recorded: the address fleet put on this VLAN earlier (kept in $record, so a changed
            # inventory removes that one and never one someone else added), when it is no longer
            # wanted and still there.
            recorded() {
              [ -f "$record" ] || return 1
              read -r raif raddr <"$record" || return 1
              [ "$raif $raddr" != "$aif $addr" ] && has_addr "$raif" "$raddr"
            }
            is_our_vlan() {
              [ "$(printf '%s\n' "$(first "$vif")" | awk '{ print $2 }')" = "$vif@$parent:" ] &&
                ip -d link show dev "$vif" 2>/dev/null | grep -Eq "^ *vlan protocol 802\.1Q id $id( |$)"
            }
            # kept: the VLAN link was there before fleet; sets $omtu and $had from the record.
            kept() { [ -f "$before" ] && read -r kind omtu had <"$before" && [ "$kind" = kept ]; }
            """#)
        return lines.joined(separator: "\n") + "\n"
    }

    static func interface(_ context: PlaybookContext) -> Step {
        let prelude = prelude(context)
        let check = prelude + #"""
            rc=0
            say() { echo "$*"; rc=1; }
            line=$(first "$vif")
            if [ -z "$line" ]; then
              say "$vif: missing"
            else
              is_our_vlan || say "$vif: not 'vlan protocol 802.1Q id $id' on $parent"
              is_up "$line" || say "$vif: not UP"
              if [ -n "$mtu" ] && [ "$(field "$line" mtu)" != "$mtu" ]; then say "$vif: mtu $(field "$line" mtu), want $mtu"; fi
              if [ -n "$bridge" ]; then
                [ "$(field "$line" master)" = "$bridge" ] || say "$vif: not a port of bridge $bridge"
                bline=$(first "$bridge")
                [ -n "$bline" ] || say "$bridge: missing"
                [ -z "$bline" ] || is_up "$bline" || say "$bridge: not UP"
              fi
            fi
            if foreign_bridge; then
              say "$bridge: exists but is not the bridge fleet creates (no ifalias $alias): fleet will not use it; name another in flintlock.bridgeName"
            fi
            has_addr "$aif" "$addr" || say "$aif: no address $addr"
            if recorded; then say "$raif: still has $raddr, which fleet put there for an earlier inventory"; fi
            # Addresses someone else added are theirs: named, never removed.
            others=$(for i in "$aif" "$vif"; do ip -4 -o addr show dev "$i" 2>/dev/null | awk -v i="$i" '$3 == "inet" { print i " " $4 }'; done |
              awk -v aif="$aif" -v addr="$addr" -v raif="${raif:-}" -v raddr="${raddr:-}" '!($1 == aif && $2 == addr) && !($1 == raif && $2 == raddr) { print $2 " on " $1 }' | sort -u)
            printf '%s\n' "$others" | sed '/^$/d; s/^/NOTE: address /; s/$/ was not added by fleet; left alone/'
            e=$(systemctl is-enabled -- "$unit" 2>/dev/null); a=$(systemctl is-active -- "$unit" 2>/dev/null)
            [ "$e" = enabled ] && [ "$a" = active ] || say "$unit: is-enabled ${e:-unknown}, is-active ${a:-unknown} (want enabled, active: the VLAN would not come back after a reboot)"
            if [ "$rc" -ne 0 ]; then
              echo "--- ip -d link show dev $vif"; ip -d link show dev "$vif" 2>&1
              [ -z "$bridge" ] || { echo "--- ip -d link show dev $bridge"; ip -d link show dev "$bridge" 2>&1; }
              echo "--- ip -4 -o addr show dev $aif"; ip -4 -o addr show dev "$aif" 2>&1
            fi
            exit "$rc"
            """#
        // Converges live without deleting a correct link: MicroVM interfaces hang off it (and off
        // the bridge), and deleting it would take them down. Only a link of the wrong kind is
        // recreated. A bridge of that name that fleet did not create is refused, not taken over.
        let apply = "set -e\n" + prelude + #"""
            if foreign_bridge; then
              echo "$bridge exists and is not the bridge fleet creates (no ifalias $alias): fleet does not take over" \
                "an interface it did not make; name another bridge in flintlock.bridgeName, or remove $bridge" >&2
              exit 1
            fi
            if [ -n "$(first "$vif")" ] && ! is_our_vlan; then
              echo "$vif: exists but is not VLAN $id on $parent; recreating it"
              ip link delete dev "$vif"
            fi
            # How fleet found the link, once (teardown leaves one it did not make). A link that
            # is there while fleet's unit is enabled or its address record exists is fleet's,
            # from before this record existed; a kept link that has gone since is fleet's now.
            mkdir -p -- "$(dirname -- "$before")"
            if [ ! -e "$before" ] || { kept && [ -z "$(first "$vif")" ]; }; then
              if [ -n "$(first "$vif")" ] && [ ! -f "$record" ] && ! systemctl is-enabled --quiet -- "$unit" 2>/dev/null; then
                had=no
                ! has_addr "$aif" "$addr" || had=yes
                printf 'kept %s %s\n' "$(field "$(first "$vif")" mtu)" "$had" >"$before"
                echo "$vif was there before fleet: recorded, teardown will leave it"
              else
                echo made >"$before"
              fi
            fi
            systemctl daemon-reload
            systemctl enable -- "$unit"
            systemctl start -- "$unit"
            # The unit's ExecStart lines again, live: `start` does nothing when it is already active.
            [ -n "$(first "$vif")" ] || ip link add link "$parent" name "$vif" type vlan id "$id"
            [ -z "$mtu" ] || ip link set dev "$vif" mtu "$mtu"
            if [ -n "$bridge" ]; then
              [ -n "$(first "$bridge")" ] || ip link add name "$bridge" type bridge
              ip link set dev "$bridge" alias "$alias"
              ip link set dev "$vif" master "$bridge"
              ip link set dev "$bridge" up
            fi
            # The address fleet put here for an earlier inventory (another address, or on the VLAN
            # link before bridge mode) goes; addresses someone else added stay.
            if recorded; then echo "$raif: removing $raddr, which fleet put there earlier"; ip addr del "$raddr" dev "$raif"; fi
            mkdir -p -- "$(dirname -- "$record")"
            printf '%s %s\n' "$aif" "$addr" >"$record.tmp"
            mv -fT -- "$record.tmp" "$record"
            ip addr replace "$addr" dev "$aif"
            ip link set dev "$vif" up
            ip -d link show dev "$vif"
            """#
        let undo = prelude + #"""
            systemctl stop -- "$unit" 2>/dev/null || true
            systemctl disable -- "$unit" 2>/dev/null || true
            [ -z "$bridge" ] || ! ours_bridge || ip link delete dev "$bridge"
            if kept && [ -n "$(first "$vif")" ]; then
              # Theirs: only fleet's address and MTU go; the record stays, so a later run knows.
              [ "$had" = yes ] || ip addr del "$addr" dev "$aif" 2>/dev/null || true
              [ -z "$omtu" ] || [ "$(field "$(first "$vif")" mtu)" = "$omtu" ] || ip link set dev "$vif" mtu "$omtu"
              echo "$vif was there before fleet: left in place"
              rm -f -- "$record"
              exit 0
            fi
            [ -z "$(first "$vif")" ] || ip link delete dev "$vif"
            rm -f -- "$record" "$before"
            rmdir -- "$(dirname -- "$record")" 2>/dev/null || true
            exit 0
            """#
        let undoCheck = prelude + #"""
            rc=0
            if kept; then
              [ "$had" = yes ] || ! has_addr "$aif" "$addr" ||
                { echo "$aif: still has $addr (the link was there before fleet, the address was not)"; rc=1; }
            else
              [ -z "$(first "$vif")" ] || { echo "$vif: still there"; rc=1; }
            fi
            [ -z "$bridge" ] || ! ours_bridge || { echo "$bridge: still there"; rc=1; }
            if systemctl is-enabled --quiet -- "$unit" 2>/dev/null || systemctl is-active --quiet -- "$unit"; then
              echo "$unit: still enabled or active"; rc=1
            fi
            exit "$rc"
            """#
        return Step(id: StepID.vlanInterface, title: "VLAN interface \(context.vlanInterface) with \(context.cidrAddress)",
                    check: check, apply: apply, undo: undo, undoCheck: undoCheck, notifiedBy: [StepID.vlanUnit])
    }
}
