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
    ///   active (or no longer exists). The first apply records the unit's state before fleet
    ///   touched it (``HostState``, `units/`): a unit that was enabled and running then, from a
    ///   package fleet did not install, is left running by teardown.
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
        let records = HostState.assign("record", "units/\(name)") + "\n" + HostState.assign("mine", "installed") + "\n"
        // The state before fleet's first apply, once: what teardown goes back to.
        var apply = "set -e\n" + unit + records + #"""
            if [ ! -e "$record" ]; then
              mkdir -p -- "$(dirname -- "$record")"
              printf '%s %s\n' "$(systemctl is-enabled -- "$u" 2>/dev/null | tail -n 1)" \
                "$(systemctl is-active -- "$u" 2>/dev/null | tail -n 1)" >"$record"
            fi

            """# + "systemctl daemon-reload\n"
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
        // A unit that was enabled and running before fleet's first apply, and whose package fleet
        // did not install (or that belongs to none), stays as it was.
        let before = #"""
            preexisting() {
              [ -f "$record" ] && read -r e0 a0 <"$record" && [ "$e0" = enabled ] && [ "$a0" = active ] || return 1
              # A unit generated from a SysV script (isc-dhcp-server) names its script as SourcePath.
              f=$(systemctl show -P SourcePath -- "$u" 2>/dev/null)
              [ -n "$f" ] || f=$(systemctl show -P FragmentPath -- "$u" 2>/dev/null)
              pkg=$( [ -n "$f" ] && dpkg -S -- "$f" 2>/dev/null | head -n 1 | cut -d: -f1)
              [ -z "$pkg" ] || [ ! -e "$mine/$pkg" ]
            }

            """#
        let undo = "set -e\n" + unit + records + before + #"""
            if preexisting; then echo "$u was enabled and running before fleet: left as it was"; exit 0; fi
            systemctl stop -- "$u"
            systemctl disable -- "$u"
            rm -f -- "$record"
            rmdir -- "$(dirname -- "$record")" 2>/dev/null || true
            """#
        // A unit that was there before has nothing of fleet's to undo; its record stays, so a
        // later run knows it too.
        let undoCheck = unit + records + before + #"""
            if preexisting; then exit 0; fi
            if [ -e "$record" ]; then echo "$u: fleet's record of its earlier state is still there"; exit 1; fi
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

extension Step {
    /// This step's undo, then a restart of `unit` if it is still running.
    ///
    /// Teardown runs in reverse, so a service's own undo comes before the undo of its
    /// configuration. A service that was running before fleet is left running by its undo; once
    /// the configuration it had is back, it must be restarted, or it keeps running with fleet's
    /// (containerd holding the thin pool that the next undo removes). A service fleet stopped is
    /// not running, and `try-restart` leaves it stopped. A restart that fails fails the undo.
    public func restartingOnUndo(_ unit: String) -> Step {
        undoingAlso(Snippet.assign("u", unit) + "\n" + #"""
            systemctl is-active --quiet -- "$u" || exit 0
            echo "$u is still running (it was before fleet): restarting it on its restored configuration"
            systemctl try-restart -- "$u"
            """#)
    }
}
