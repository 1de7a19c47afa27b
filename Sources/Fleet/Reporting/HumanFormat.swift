/// The human-readable lines of a run: pure functions from events to text.
public enum HumanFormat {
    /// At most this many lines of evidence are shown per step (head and tail); the run log has all of it.
    public static let evidenceLines = 40

    /// The line(s) an event prints, or nil for events that print nothing at this verbosity.
    public static func lines(for event: RunEvent, style: Style, verbose: Bool = false) -> String? {
        switch event {
        case .runStarted(let mode, let hosts):
            let note: String
            switch mode {
            case .dryRun: note = " (dry run: nothing will be changed)"
            case .check: note = " (verify only: nothing will be changed)"
            case .up, .teardown: note = ""
            }
            return style.bold("fleet \(mode.rawValue): \(hosts.count) host\(hosts.count == 1 ? "" : "s")") + note
        case .stepFinished(let host, let result):
            return stepLine(host: host, result, style: style, verbose: verbose)
        case .hostFinished(let report):
            return hostLine(report, style: style)
        case .connecting, .phaseStarted, .stepStarted, .runFinished:
            return nil
        }
    }

    static func stepLine(host: String, _ result: StepResult, style: Style, verbose: Bool) -> String? {
        let label: String
        switch result.status {
        case .ok:
            let warnings = result.warnings
            if !verbose {
                guard !warnings.isEmpty else { return nil }
                return "\(host) | \(style.yellow("WARNING")) | \(result.stepId) — \(result.title)\n"
                    + indent(warnings.joined(separator: "\n"))
            }
            label = style.green("ok")
        case .changed: label = style.yellow("changed")
        case .wouldChange: label = style.yellow("would change")
        case .drift: label = style.red("DRIFT")
        case .failed: label = style.red(result.timedOut ? "TIMED OUT" : "FAILED")
        case .skipped: return nil
        }
        var text = "\(host) | \(label) | \(result.stepId) — \(result.title)"
        if result.milliseconds > 0 { text += style.dim(" (\(seconds(result.milliseconds)))") }
        let shown = result.status == .ok ? result.warnings.joined(separator: "\n") : result.evidence
        if !shown.isEmpty { text += "\n" + indent(shown) }
        return text
    }

    static func hostLine(_ report: HostReport, style: Style) -> String {
        if let unreachable = report.unreachable {
            return "\(report.host) | \(style.red("UNREACHABLE")) | \(unreachable)"
        }
        if let error = report.error {
            return "\(report.host) | \(style.red("ERROR")) | \(error)"
        }
        let parts = StepStatus.allCases.compactMap { status -> String? in
            let count = report.count(status)
            return count == 0 ? nil : "\(count) \(status.rawValue)"
        }
        return style.dim("\(report.host) | done: \(parts.isEmpty ? "no steps" : parts.joined(separator: ", ")) in \(seconds(report.milliseconds))")
    }

    /// Of long evidence, this many first lines are shown; the rest of ``evidenceLines`` comes
    /// from the end, where a failing command says why it failed.
    public static let evidenceHead = 10

    /// Evidence indented under its step, cut to ``evidenceLines``: its head and its tail, with
    /// the number of lines left out in between.
    static func indent(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > evidenceLines else { return lines.map { "    \($0)" }.joined(separator: "\n") }
        let tail = evidenceLines - evidenceHead
        let omitted = lines.count - evidenceLines
        let shown = lines.prefix(evidenceHead).map { "    \($0)" }
            + ["    … \(omitted) more line\(omitted == 1 ? "" : "s") in the run log"]
            + lines.suffix(tail).map { "    \($0)" }
        return shown.joined(separator: "\n")
    }

    /// `1.2s`, or `350ms` under a second.
    public static func seconds(_ milliseconds: Int) -> String {
        milliseconds < 1000 ? "\(milliseconds)ms" : "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
    }
}
