import Foundation

/// Prints a run for humans: notable step outcomes as they happen, and on a terminal a live
/// status line saying what each busy host is doing. Plain lines when not on a terminal. Writes go
/// through an ``OutputSink``, so a closed or stalled terminal never stops a run.
public final class ConsoleReporter: Reporter, @unchecked Sendable {
    private let output: OutputSink
    private let style: Style
    private let live: Bool
    private let verbose: Bool
    private let lock = NSLock()
    private var activity: [String: String] = [:]
    private var order: [String] = []
    private var finished = 0
    private var total = 0
    private var statusShown = false

    /// Creates a reporter writing to `output`.
    /// - Parameters:
    ///   - live: draw the status line (only on a terminal).
    ///   - verbose: also print steps that were already as desired.
    public init(output: OutputSink, style: Style, live: Bool, verbose: Bool = false) {
        self.output = output
        self.style = style
        self.live = live
        self.verbose = verbose
    }

    public func report(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .runStarted(_, let hosts): total = hosts.count
        case .connecting(let host):
            order.append(host)
            activity[host] = "connecting"
        case .stepStarted(let host, let stepId, _, let phase): activity[host] = "\(phase.rawValue) \(stepId)"
        case .hostFinished(let report):
            activity[report.host] = nil
            order.removeAll { $0 == report.host }
            finished += 1
        case .runFinished(let recap):
            clearStatus()
            emit("\n" + RecapTable.render(recap, style: style))
            return
        default: break
        }
        if let text = HumanFormat.lines(for: event, style: style, verbose: verbose) {
            clearStatus()
            emit(text)
        }
        drawStatus()
    }

    private func emit(_ text: String) { output.write(text + "\n") }

    private func clearStatus() {
        guard live, statusShown else { return }
        output.write("\r\u{1B}[K")
        statusShown = false
    }

    private func drawStatus() {
        guard live, !order.isEmpty else { return }
        let busy = order.prefix(4).map { "\($0): \(activity[$0] ?? "")" }.joined(separator: " · ")
        let more = order.count > 4 ? " · +\(order.count - 4) more" : ""
        var line = "[\(finished)/\(total) done] \(busy)\(more)"
        let width = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 120
        if line.count > width - 1 { line = String(line.prefix(width - 2)) + "…" }
        output.write("\r\u{1B}[K" + style.dim(line))
        statusShown = true
    }
}

/// Writes ``JSONLines`` for every event.
public final class JSONReporter: Reporter, @unchecked Sendable {
    private let output: OutputSink

    /// Creates a reporter writing to `output`.
    public init(output: OutputSink) { self.output = output }

    public func report(_ event: RunEvent) {
        guard let line = JSONLines.line(for: event) else { return }
        output.write(line + "\n")
    }
}
