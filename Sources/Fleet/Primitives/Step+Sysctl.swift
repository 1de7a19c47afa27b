extension Step {
    /// Kernel parameters set now and at every boot, from a drop-in of their own.
    ///
    /// - Check: `/etc/sysctl.d/<file>` holds exactly the settings (`key = value` lines) and each
    ///   live value (read from `/proc/sys`) equals the wanted one; the evidence is the file's diff
    ///   and a `key = live (want value)` line per live mismatch.
    /// - Apply: the first time, saves the live values it is about to change in
    ///   `/etc/sysctl.d/<file>.fleet-orig` (not a `.conf`, so nothing loads it at boot); then
    ///   writes the drop-in atomically and sets the live values, as `sysctl -p <file>` would.
    ///   `systemd-sysctl` applies the drop-in at boot.
    /// - Undo: removes the drop-in and sets the live values back to those saved before fleet's
    ///   first change, then removes the saved copy. Undo-check passes when neither file is left.
    ///
    /// The live values are written through `/proc/sys` directly, so the step works on minimal
    /// images without `procps`. Keys use sysctl's dotted form; a `/` in a key stands for a `.`
    /// inside one component (`net.ipv4.conf.bond0/1000.forwarding`), as in sysctl.conf(5).
    public static func sysctl(id: String, file: String, settings: [(String, String)], title: String? = nil) -> Step {
        sysctl(id: id, file: file, settings: settings, title: title, directory: "/etc/sysctl.d", procRoot: "/proc/sys")
    }

    /// The same step with its paths moved, so tests can run it against a temporary directory.
    static func sysctl(id: String, file: String, settings: [(String, String)], title: String?, directory: String,
                       procRoot: String) -> Step {
        let conf = "\(directory)/\(file)"
        var content = "# Managed by fleet (\(id)).\n"
        for (key, value) in settings { content += "\(key) = \(value)\n" }
        let script = FileScript(path: conf, content: .literal(content), mode: "0644", owner: "root:root",
                                sensitive: false, validate: nil, keepOriginal: false)
        // One line per setting, "key<TAB>value", fed to loops as a here-document. Keys and values
        // are inside a quoted assignment, never spliced into shell text.
        let table = settings.map { "\($0.0)\t\($0.1)" }.joined(separator: "\n")
        let prelude = """
            \(Snippet.assign("conf", conf))
            \(Snippet.assign("orig", "\(conf).fleet-orig"))
            \(Snippet.assign("proc", procRoot))
            \(Snippet.assign("table", table))
            tab=$(printf '\\t')
            knob() { printf '%s/%s\\n' "$proc" "$(printf '%s' "$1" | tr './' '/.')"; }
            live() { tr -s ' \\t' '  ' <"$(knob "$1")"; }

            """
        let liveCheck = prelude + #"""
            rc=0
            while IFS=$tab read -r k v; do
              [ -n "$k" ] || continue
              cur=$(live "$k" 2>&1) || cur="unreadable: $cur"
              if [ "$cur" != "$v" ]; then echo "$k = $cur (want $v)"; rc=1; fi
            done <<EOF
            $table
            EOF
            exit "$rc"
            """#
        let saveOriginal = "set -e\n" + prelude + #"""
            [ ! -e "$orig" ] || exit 0
            mkdir -p -- "$(dirname -- "$orig")"
            {
              echo "# Live values before fleet changed them; restored by teardown."
              printf '%s\n' "$table" | while IFS=$tab read -r k v; do
                [ -n "$k" ] || continue
                printf '%s = %s\n' "$k" "$(live "$k")"
              done
            } >"$orig.tmp"
            mv -fT -- "$orig.tmp" "$orig"
            """#
        let setLive = "set -e\n" + prelude + #"""
            printf '%s\n' "$table" | while IFS=$tab read -r k v; do
              [ -n "$k" ] || continue
              printf '%s\n' "$v" >"$(knob "$k")"
              echo "$k = $v"
            done
            """#
        let restore = "set -e\n" + prelude + #"""
            rm -f -- "$conf"
            [ -e "$orig" ] || exit 0
            grep -v '^#' "$orig" | while read -r k eq v; do
              [ -n "$k" ] || continue
              printf '%s\n' "$v" >"$(knob "$k")"
              echo "$k = $v (restored)"
            done
            rm -f -- "$orig"
            """#
        let undoCheck = Snippet.assign("conf", conf) + "\n" + Snippet.assign("orig", "\(conf).fleet-orig") + "\n"
            + #"""
            rc=0
            if [ -e "$conf" ]; then echo "$conf: present"; rc=1; fi
            if [ -e "$orig" ]; then echo "$orig: live values before fleet not restored yet"; rc=1; fi
            exit "$rc"
            """#
        return Step(id: id, title: title ?? "sysctl \(file)",
                    check: Snippet.allOf([script.check, liveCheck]),
                    apply: Snippet.sequence([saveOriginal, script.apply, setLive]),
                    undo: restore, undoCheck: undoCheck)
    }
}
