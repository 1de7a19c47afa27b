extension Step {
    /// A systemd unit enabled (or not) and running (or not).
    ///
    /// - Check: `systemctl is-enabled` and `systemctl is-active` give the wanted answers; the
    ///   evidence is both answers and `systemctl status --no-pager -n 5`.
    /// - Apply: `systemctl daemon-reload` (a unit file may just have been written), then
    ///   `enable` or `disable`; for an active unit, `restart` when it is already running and
    ///   `start` otherwise. The executor also applies this step, even when its check passes,
    ///   when a step in `notifiedBy` changed in the same run: that is how a changed
    ///   configuration file restarts its service, and only then.
    /// - Undo: `systemctl stop`, then `systemctl disable` (not `disable --now`, which leaves a
///   SysV-generated unit running); undo-check passes when the unit is neither enabled nor
    ///   active (or no longer exists).
    ///
    /// SysV-only services (Debian's `isc-dhcp-server`) work too: `systemctl` forwards enabling to
    /// `systemd-sysv-install`, and only its last line of output is read.
    public static func systemdUnit(_ name: String, enabled: Bool = true, active: Bool = true,
                                   notifiedBy: [String] = [], id: String? = nil, title: String? = nil) -> Step {
        let unit = Snippet.assign("u", name) + "\n"
        let wantEnabled = enabled ? "enabled" : "not enabled"
        let wantActive = active ? "active" : "inactive"
        let enabledTest = enabled ? #"[ "$e" = enabled ]"# : #"[ "$e" != enabled ] && [ "$e" != enabled-runtime ]"#
        let activeTest = active ? #"[ "$a" = active ]"# : #"[ "$a" != active ] && [ "$a" != activating ]"#
        let check = unit + #"""
            e=$(systemctl is-enabled -- "$u" 2>/dev/null | tail -n 1)
            a=$(systemctl is-active -- "$u" 2>/dev/null | tail -n 1)
            if \#(enabledTest) && \#(activeTest); then exit 0; fi
            echo "$u: is-enabled ${e:-unknown}, is-active ${a:-unknown} (want \#(wantEnabled), \#(wantActive))"
            systemctl status --no-pager -n 5 -- "$u" 2>&1
            exit 1
            """#
        var apply = "set -e\n" + unit + "systemctl daemon-reload\n"
        apply += enabled ? #"systemctl enable -- "$u""# : #"systemctl disable -- "$u""#
        apply += "\n"
        apply += active
            ? #"""
              if systemctl is-active --quiet -- "$u"; then
                systemctl restart -- "$u"
              else
                systemctl start -- "$u"
              fi
              """#
            : #"systemctl stop -- "$u""#
        // Stop, then disable: for a unit generated from a SysV script (Debian's isc-dhcp-server),
        // `disable --now` runs systemd-sysv-install and a daemon-reload and the stop is lost.
        let undo = "set -e\n" + unit + #"systemctl stop -- "$u"\#nsystemctl disable -- "$u""#
        let undoCheck = unit + #"""
            if systemctl is-enabled --quiet -- "$u" 2>/dev/null || systemctl is-active --quiet -- "$u"; then
              echo "$u: is-enabled $(systemctl is-enabled -- "$u" 2>/dev/null | tail -n 1)," \
                "is-active $(systemctl is-active -- "$u" 2>/dev/null | tail -n 1)"
              exit 1
            fi
            exit 0
            """#
        let unitId = name.hasSuffix(".service") ? String(name.dropLast(".service".count)) : name
        return Step(id: id ?? unitId, title: title ?? "service \(name)", check: check, apply: apply, undo: undo,
                    undoCheck: undoCheck, timeout: .seconds(180), notifiedBy: notifiedBy)
    }
}
