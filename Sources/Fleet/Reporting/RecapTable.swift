/// The recap table: host × outcome counts, the way Ansible's PLAY RECAP reads, plus a verdict.
public enum RecapTable {
    /// The columns a mode shows.
    static func columns(for mode: RunMode) -> [(title: String, count: (HostReport) -> Int)] {
        let middle: (String, (HostReport) -> Int)
        switch mode {
        case .up, .teardown: middle = ("changed", { $0.count(.changed) })
        case .dryRun: middle = ("would-change", { $0.count(.wouldChange) })
        case .check: middle = ("drift", { $0.count(.drift) })
        }
        return [("ok", { $0.count(.ok) }), middle, ("failed", { $0.count(.failed) + ($0.error == nil ? 0 : 1) }),
                ("skipped", { $0.count(.skipped) }), ("unreachable", { $0.unreachable == nil ? 0 : 1 })]
    }

    /// Renders the recap as text.
    public static func render(_ recap: Recap, style: Style) -> String {
        let columns = columns(for: recap.mode)
        let nameWidth = max(4, recap.hosts.map(\.host.count).max() ?? 0)
        var lines = [style.bold("RECAP") + " \(recap.mode.rawValue) in \(HumanFormat.seconds(recap.milliseconds))"]
        lines.append(pad("host", nameWidth) + columns.map { "  " + $0.title }.joined())
        for host in recap.hosts {
            var line = pad(host.host, nameWidth)
            for column in columns {
                let value = String(column.count(host))
                let cell = String(repeating: " ", count: max(0, column.title.count - value.count)) + value
                line += "  " + (value == "0" ? style.dim(cell) : paint(cell, column.title, style))
            }
            lines.append(line)
        }
        let warnings = recap.hosts.reduce(0) { $0 + $1.warningCount }
        if warnings > 0 {
            lines.append(style.yellow("\(warnings) warning\(warnings == 1 ? "" : "s")") + " (marked WARNING above; they do not change the exit code)")
        }
        lines.append(verdict(recap))
        return lines.joined(separator: "\n")
    }

    static func paint(_ cell: String, _ column: String, _ style: Style) -> String {
        switch column {
        case "ok": style.green(cell)
        case "changed", "would-change": style.yellow(cell)
        case "skipped": cell
        default: style.red(cell)
        }
    }

    /// One sentence: what happened and which exit code it means.
    public static func verdict(_ recap: Recap) -> String {
        let code = recap.exitCode
        switch code {
        case ExitCode.interrupted: return "interrupted (exit 130); run again to finish: steps are idempotent"
        case ExitCode.stepFailed: return "a step failed (exit 2); details above and in the run log"
        case ExitCode.unreachable: return "a host was unreachable (exit 3)"
        case ExitCode.drift: return "drift found on \(recap.hosts.filter { $0.count(.drift) > 0 }.count) host(s) (exit 4); `fleet up` repairs it"
        default:
            switch recap.mode {
            case .up: return recap.totalChanged == 0 ? "converged: nothing to change (exit 0)" : "converged: \(recap.totalChanged) change(s) (exit 0)"
            case .dryRun: return "dry run: \(recap.totalChanged) step(s) would change (exit 0)"
            case .check: return "clean: no drift (exit 0)"
            case .teardown: return "torn down: \(recap.totalChanged) step(s) undone (exit 0)"
            }
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
