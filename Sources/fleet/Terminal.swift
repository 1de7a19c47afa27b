import Fleet
import Foundation

/// The few things the CLI needs from the terminal.
enum Terminal {
    static func isTTY(_ handle: FileHandle) -> Bool { isatty(handle.fileDescriptor) == 1 }

    /// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
    static func wantsColor(_ handle: FileHandle) -> Bool {
        ProcessInfo.processInfo.environment["NO_COLOR"].map { $0.isEmpty } ?? true
            && isTTY(handle) && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// `fleet: error: TEXT` on stderr.
    static func error(_ text: String) { OutputSink.standardError.write("fleet: error: " + text + "\n") }

    /// `fleet: error: FILE: PATH: MESSAGE` (or `warning:`) on stderr.
    static func report(_ diagnostic: Diagnostic) {
        let severity = diagnostic.severity == .warning ? "warning" : "error"
        OutputSink.standardError.write("fleet: \(severity): \(diagnostic.location)\(diagnostic.message)\n")
    }

    /// Asks before teardown. Without a terminal to ask on, refuses: a script must say `--yes`.
    static func confirmTeardown(_ plan: Plan) throws -> Bool {
        guard isTTY(.standardInput) else {
            throw FleetError(.usage, "teardown changes hosts and asks for confirmation; pass --yes when not running interactively")
        }
        let steps = plan.hosts.reduce(0) { $0 + $1.steps.filter { $0.undo != nil }.count }
        print("teardown will undo up to \(steps) step(s) on: \(plan.hosts.map(\.device.name).joined(separator: ", "))")
        print("type `yes` to continue: ", terminator: "")
        return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }
}
