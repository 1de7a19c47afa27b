import FleetTestSupport
import Foundation

/// A temporary directory of fake `ip`, `systemctl`, `firewall-cmd` (and the `python3` of its reader), `tailscale`, `ss`,
/// `journalctl`, `resolvectl` and `openssl` that keep their state in files, so the playbook's real shell
/// logic (parsing `ip -d link` output, querying rules, reading JSON with sed) can run here.
struct FakeHost {
    let root: URL
    var bin: URL { root.appendingPathComponent("bin") }
    var environment: [String: String] { ["PATH": bin.path, "FAKE": root.path, "FLEET_TEST_ROOT": root.path] }

    init() throws {
        root = try LocalShell.hostileTemporaryDirectory()
        for dir in ["bin", "links", "addrs", "enabled", "active", "rules"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        for (name, script) in Self.scripts {
            try LocalShell.writeExecutable("#!/bin/sh\n" + script, at: bin.appendingPathComponent(name))
        }
    }

    func run(_ script: String?) throws -> LocalShell.Result {
        guard let script else { return LocalShell.Result(status: 0, stdout: "", stderr: "") }
        return try LocalShell.run(script, environment: environment)
    }

    func write(_ text: String, to name: String) throws {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func read(_ name: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path) }

    static let scripts: [String: String] = [
        // links/<name> holds "kind parent id up mtu master [alias]"; addrs/<name> one CIDR per line;
        // default-route is what `ip -4 route show default` prints.
        "ip": #"""
            echo "ip $*" >>"$FAKE/ip.log"
            L=$FAKE/links A=$FAKE/addrs
            show() {
              [ -f "$L/$1" ] || { echo "Device \"$1\" does not exist." >&2; return 1; }
              read -r kind parent id up mtu master alias <"$L/$1"
              flags=BROADCAST,MULTICAST; [ "$up" = 1 ] && flags=$flags,UP,LOWER_UP
              name=$1; [ "$kind" = vlan ] && name=$1@$parent
              m=; [ "$master" = - ] || m="master $master "
              echo "5: $name: <$flags> mtu $mtu qdisc noqueue ${m}state UP mode DEFAULT group default qlen 1000"
              echo "    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 0 maxmtu 65535"
              [ -z "$alias" ] || [ "$alias" = - ] || echo "    alias $alias"
              [ "$kind" = vlan ] && echo "    vlan protocol 802.1Q id $id <REORDER_HDR> addrgenmode eui64 numtxqueues 1"
              [ "$kind" = bridge ] && echo "    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0"
              return 0
            }
            set_field() {
              read -r kind parent id up mtu master alias <"$L/$1"; alias=${alias:--}; eval "$2=\$3"
              if [ "$alias" = - ]; then echo "$kind $parent $id $up $mtu $master"; else echo "$kind $parent $id $up $mtu $master $alias"; fi >"$L/$1"
            }
            case "$*" in
              "-4 route show default") [ ! -f "$FAKE/default-route" ] || cat "$FAKE/default-route";;
              "-d link show dev "*) show "$5";;
              "-4 -o addr show dev "*)
                [ -f "$L/$6" ] || { echo "Device \"$6\" does not exist." >&2; exit 1; }
                [ -f "$A/$6" ] && while read -r a; do
                  echo "5: $6    inet $a brd 192.168.10.127 scope global $6\\       valid_lft forever preferred_lft forever"
                done <"$A/$6";;
              "link show dev "*) show "$4" >/dev/null;;
              "link add link "*) [ ! -f "$L/$6" ] || { echo "RTNETLINK answers: File exists" >&2; exit 2; }
                echo "vlan $4 ${10} 0 1500 -" >"$L/$6";;
              "link add name "*) echo "bridge - - 0 1500 -" >"$L/$4";;
              "link delete dev "*) rm -f "$L/$4" "$A/$4";;
              "link set dev "*" up") set_field "$4" up 1;;
              "link set dev "*" mtu "*) set_field "$4" mtu "$6";;
              "link set dev "*" master "*) set_field "$4" master "$6";;
              "link set dev "*" alias "*) set_field "$4" alias "$6";;
              "addr replace "*) grep -qxF "$3" "$A/$5" 2>/dev/null || echo "$3" >>"$A/$5";;
              "addr del "*) grep -vxF "$3" "$A/$5" >"$A/$5.new"; mv "$A/$5.new" "$A/$5";;
              *) echo "fake ip: unsupported: $*" >&2; exit 2;;
            esac
            """#,
        "systemctl": String(FakeSystemctl.script.drop { $0 != "\n" }.dropFirst()),
        // rules/runtime and rules/permanent hold one direct rule per line; adding a duplicate is
        // recorded, so a test can prove the playbook never asks for one.
        "firewall-cmd": #"""
            echo "firewall-cmd $*" >>"$FAKE/firewall.log"
            [ -e "$FAKE/firewalld-stopped" ] && { echo "not running"; exit 252; }
            # refuse: a firewall-cmd that fails for another reason than a stopped firewalld.
            [ -e "$FAKE/firewall-refuses" ] && { echo "Authorization failed."; exit 1; }
            store=$FAKE/rules/runtime
            [ "$1" = --permanent ] && { store=$FAKE/rules/permanent; shift; }
            case "$1" in
              --state) echo running; exit 0;;
              --list-all-zones) cat "$FAKE/zones.out" 2>/dev/null; exit 0;;
              --list-all-policies) cat "$FAKE/policies.out" 2>/dev/null; exit 0;;
              --get-zone-of-interface=*) cat "$FAKE/permanent-zone.out" 2>/dev/null; exit 0;;
              --info-policy=*) cat "$FAKE/permanent-policy.out" 2>/dev/null || { echo "INVALID_POLICY"; exit 1; }; exit 0;;
              --delete-policy=*|--delete-zone=*|--zone=*|--reload) exit 0;;
              --direct) shift;;
              *) exit 2;;
            esac
            action=$1; shift
            touch "$store"
            case "$action" in
              --query-rule) grep -qxF "$*" "$store" && { echo yes; exit 0; }; echo no; exit 1;;
              --add-rule) grep -qxF "$*" "$store" && echo "DUPLICATE $*" >>"$FAKE/firewall.log"; echo "$*" >>"$store";;
              --remove-rule) grep -vxF "$*" "$store" >"$store.new"; mv "$store.new" "$store";;
              --get-all-rules) cat "$store";;
            esac
            """#,
        "tailscale": #"""
            echo "tailscale $*" >>"$FAKE/tailscale.log"
            case "$1" in
              status) [ "$2" = --json ] && cat "$FAKE/status.json" || echo "100.64.0.1 hub";;
              debug) cat "$FAKE/prefs.json";;
              up) for a; do case "$a" in --auth-key=file:*) f=${a#--auth-key=file:}; cat "$f" >"$FAKE/key-seen"
                    stat -c %a "$f" >"$FAKE/key-mode"; echo "$f" >"$FAKE/key-path";; esac; done
                  cp "$FAKE/status-after-up.json" "$FAKE/status.json"; cp "$FAKE/prefs-after-up.json" "$FAKE/prefs.json";;
              logout) sed 's/"Running"/"NeedsLogin"/' "$FAKE/status.json" >"$FAKE/s.new"; mv "$FAKE/s.new" "$FAKE/status.json";;
            esac
            """#,
        // Honours the one filter the playbook uses, `sport = :PORT`.
        "ss": #"""
            p=; for a; do case "$a" in "sport = :"*) p=${a#sport = :};; esac; done
            [ -n "$p" ] || { cat "$FAKE/ss.out"; exit 0; }
            awk -v p=":$p" 'length($4) > length(p) && substr($4, length($4) - length(p) + 1) == p' "$FAKE/ss.out"
            """#,
        // Only fleet's firewalld reader (FirewalldState) runs python3 in the playbook: this one
        // answers as it would, from the fake firewall's files (`python3 - DIR`).
        "python3": #"""
            echo "python3 $*" >>"$FAKE/python.log"
            cat >/dev/null
            # no-dbus: as python3 without its dbus module, for the reader's firewall-cmd fallback.
            [ -e "$FAKE/no-dbus" ] && { echo "python3 has no dbus module" >&2; exit 3; }
            [ -e "$FAKE/firewalld-stopped" ] && { echo "not running" >&2; exit 1; }
            touch "$FAKE/rules/runtime" "$FAKE/rules/permanent"
            cat "$FAKE/zones.out" >"$2/zones" 2>/dev/null || : >"$2/zones"
            cat "$FAKE/policies.out" >"$2/policies" 2>/dev/null || : >"$2/policies"
            cp "$2/zones" "$2/pzones"; cp "$2/policies" "$2/ppolicies"
            cp "$FAKE/rules/runtime" "$2/direct"; cp "$FAKE/rules/permanent" "$2/pdirect"
            """#,
        "journalctl": #"cat "$FAKE/journal.out" 2>/dev/null"#,
        "resolvectl": #"[ -e "$FAKE/resolvectl.out" ] || exit 1; cat "$FAKE/resolvectl.out""#,
        "sleep": "exit 0",
        // x509 prints a "fingerprint" (cksum) of -in FILE or stdin; s_client "serves" served.crt
        // (no network is touched).
        "openssl": #"""
            case "$1" in
              s_client) echo "openssl $*" >>"$FAKE/openssl.log"
                # served-later.crt: a server still starting, which serves from the second handshake on.
                [ -f "$FAKE/served-later.crt" ] && { mv "$FAKE/served-later.crt" "$FAKE/served.crt"; exit 1; }
                [ -f "$FAKE/served.crt" ] || exit 1; cat "$FAKE/served.crt";;
              x509) in=-; prev=; for a; do [ "$prev" = -in ] && in=$a; prev=$a; done
                if [ "$in" = - ]; then sum=$(cksum); else [ -f "$in" ] || exit 1; sum=$(cksum <"$in"); fi
                case "$sum" in "4294967295 0") exit 1;; esac
                echo "sha256 Fingerprint=${sum%% *}";;
              *) echo "fake openssl: unsupported: $*" >&2; exit 2;;
            esac
            """#,
    ]
}
