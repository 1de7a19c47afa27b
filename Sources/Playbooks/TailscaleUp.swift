import Fleet
import Foundation

/// `tailscale up` as a subnet router for the VLAN subnet, with the auth key kept out of argv
/// and out of every output.
///
/// - Check: `tailscale status --json` says `BackendState` `Running` and `tailscale debug prefs`
///   lists the subnet in `AdvertiseRoutes` (and the hostname and tags, when the inventory sets
///   them). A route still waiting for approval in the admin console (`Self.PrimaryRoutes` lacks
///   it) is printed as a NOTE, but the check passes: approval is outside the host. JSON is read
///   with `tr`/`sed`, since the host may have neither python nor jq.
/// - Apply: writes the key into a 0600 file under `/run` from a quoted here-document inside the
///   snippet (so it is in neither the local nor the remote argv), runs
///   `tailscale up --reset --accept-dns=false --advertise-routes=… --auth-key=file:… --timeout=60s`,
///   and removes the file on every exit path. `--reset` makes a re-run converge instead of failing
///   over flags it does not mention; it would also turn accept-dns on, and a subnet router's
///   resolvers must stay the hub's own (the check reports `CorpDNS` true as drift). Without a key
///   (check and teardown runs), a hub already logged in is reconfigured without one; any other
///   fails with a message naming where the key comes from.
/// - Undo: `tailscale logout`, which also expires the node key, but only for a node fleet logged
///   in: one that was logged in before fleet's first apply is recorded (``HostState``) and stays.
///
/// Apply, undo and the undo's post-check first wait (up to 15 s) for tailscaled to answer: a
/// daemon just installed, started or restarted by systemd is briefly unreachable, and asking
/// then would misreport a node as unknown or fail `tailscale up`.
enum TailscaleUp {
    static func step(_ context: PlaybookContext, settings: TailscaleSettings) -> Step {
        let prelude = [Snippet.assign("route", context.network.subnet.description),
                       Snippet.assign("hostname", settings.hostname ?? ""),
                       Snippet.assign("tags", settings.advertiseTags.joined(separator: ",")),
                       HostState.assign("ours", "tailscale-logged-in-by-fleet"),
                       HostState.assign("kept", "tailscale-logged-in-before-fleet")]
            .joined(separator: "\n") + "\n" + #"""
            flat() { tr -d ' \t\n\r'; }
            backend_state() { tailscale status --json 2>/dev/null | flat | sed -n 's/.*"BackendState":"\([A-Za-z]*\)".*/\1/p'; }
            pref_list() { tailscale debug prefs 2>/dev/null | flat | sed -n "s/.*\"$1\":\[\([^]]*\)\].*/\1/p"; }
            pref_text() { tailscale debug prefs 2>/dev/null | flat | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
            has() { case ",$1," in *",\"$2\","*) return 0;; esac; return 1; }
            await_state() { n=0; while :; do s=$(backend_state); if [ -n "$s" ] || [ "$n" -ge 15 ]; then printf '%s' "$s"; return; fi; n=$((n + 1)); sleep 1; done; }

            """#
        let check = prelude + #"""
            if ! command -v tailscale >/dev/null 2>&1; then echo "tailscale: not installed"; exit 1; fi
            rc=0
            state=$(backend_state)
            [ "$state" = Running ] || { echo "tailscale: BackendState ${state:-unknown} (want Running)"; rc=1; }
            routes=$(pref_list AdvertiseRoutes)
            has "$routes" "$route" || { echo "tailscale: AdvertiseRoutes [$routes] lacks $route"; rc=1; }
            if [ -n "$hostname" ] && [ "$(pref_text Hostname)" != "$hostname" ]; then
              echo "tailscale: Hostname '$(pref_text Hostname)', want '$hostname'"; rc=1
            fi
            # --reset turns accept-dns on, and tailscaled would then point the hub's resolv.conf
            # at 100.100.100.100: the DHCP server's "auto" DNS servers and the hub's own lookups
            # would follow the tailnet's resolver.
            if tailscale debug prefs 2>/dev/null | flat | grep -q '"CorpDNS":true'; then
              echo "tailscale: accept-dns is on (CorpDNS true): tailscaled may rewrite this hub's /etc/resolv.conf"; rc=1
            fi
            if [ -n "$tags" ]; then
              have=$(pref_list AdvertiseTags)
              for t in $(printf '%s' "$tags" | tr ',' ' '); do
                has "$have" "$t" || { echo "tailscale: AdvertiseTags [$have] lacks $t"; rc=1; }
              done
            fi
            if [ "$rc" -ne 0 ]; then tailscale status 2>&1 | head -n 5; exit 1; fi
            self=$(tailscale status --json 2>/dev/null | flat | sed -n 's/.*"Self":\(.*\)"Peer":.*/\1/p')
            primary=$(printf '%s' "$self" | sed -n 's/.*"PrimaryRoutes":\[\([^]]*\)\].*/\1/p')
            if ! has "$primary" "$route"; then
              echo "NOTE: $route is advertised but not approved yet: approve it in the Tailscale admin console" \
                "(Machines, this hub, Edit route settings) or with autoApprovers in the tailnet policy"
            fi
            exit 0
            """#
        let undo = prelude + #"""
            command -v tailscale >/dev/null 2>&1 || exit 0
            if [ -e "$kept" ]; then echo "this node was logged in before fleet: it stays logged in"; exit 0; fi
            systemctl start tailscaled 2>/dev/null || true
            state=$(await_state)
            case "$state" in NeedsLogin|NoState) rm -f -- "$ours"; exit 0;; esac
            tailscale logout
            rm -f -- "$ours"
            """#
        let undoCheck = prelude + #"""
            command -v tailscale >/dev/null 2>&1 || exit 0
            [ ! -e "$kept" ] || exit 0
            state=$(await_state)
            case "$state" in
              NeedsLogin|NoState) exit 0;;
              "") echo "tailscale: tailscaled does not answer, cannot tell whether this node is still logged in"; exit 1;;
              *) echo "tailscale: BackendState $state (still logged in)"; exit 1;;
            esac
            """#
        let key = authKey(context.authKey, source: settings.authKey)
        return Step(id: "tailscale-up", title: "Tailscale subnet router for \(context.network.subnet)",
                    check: check, apply: prelude + key.script, undo: undo, undoCheck: undoCheck,
                    timeout: .seconds(120), secrets: key.secrets)
    }

    /// The apply's tail: the key file, `tailscale up`, and the cleanup trap. Without a key, a
    /// hub that is already logged in is still reconfigured (`tailscale up` needs no key then);
    /// one that is not fails with a message saying where the key should come from.
    static func authKey(_ key: String?, source: TailscaleSettings.AuthKeySource) -> (script: String, secrets: [String]) {
        let up = #"""
            before=$(await_state)
            # Logged in, and not by fleet: someone else's node, which teardown leaves logged in.
            if [ "$before" = Running ] && [ ! -e "$ours" ] && [ ! -e "$kept" ]; then
              mkdir -p -- "$(dirname -- "$kept")"; : >"$kept"
              echo "this node was logged in before fleet: teardown will leave it logged in"
            fi
            set -- "$@" --reset --accept-dns=false --advertise-routes="$route" --timeout=60s
            [ -z "$hostname" ] || set -- "$@" --hostname="$hostname"
            [ -z "$tags" ] || set -- "$@" --advertise-tags="$tags"
            tailscale up "$@"
            if [ ! -e "$kept" ]; then mkdir -p -- "$(dirname -- "$ours")"; : >"$ours"; fi
            tailscale status 2>&1 | head -n 3
            """#
        guard let key = key?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty else {
            let hint: String
            switch source {
            case .environment(let name): hint = "set \(name) in fleet's environment"
            case .file(let path): hint = "put it in \(path)"
            }
            let message = "no Tailscale auth key provided (\(hint)); it is needed to log this hub in"
            return ("set -e\n" + Snippet.assign("message", message) + "\n" + #"""
                state=$(backend_state)
                if [ "$state" != Running ]; then echo "$message (BackendState ${state:-unknown})" >&2; exit 1; fi
                set --
                """# + "\n" + up, [])
        }
        guard !key.contains(where: \.isNewline) else {
            return (Snippet.fail("the Tailscale auth key contains a line break"), [key])
        }
        var end = "FLEET_TAILSCALE_KEY_END"
        while key.contains(end) { end += "_" }
        let script = "set -e\n" + #"""
            umask 077
            keyfile=$(mktemp /run/fleet-tailscale-key.XXXXXX)
            trap 'rm -f -- "$keyfile"' EXIT
            trap 'exit 130' INT TERM HUP
            cat >"$keyfile" <<'\#(end)'
            \#(key)
            \#(end)
            set -- --auth-key="file:$keyfile"
            """# + "\n" + up
        return (script, [key])
    }
}
