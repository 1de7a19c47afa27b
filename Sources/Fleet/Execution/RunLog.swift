import Foundation

/// The full record of a run: every remote program's snippets and every result, secrets
/// redacted. Written to a file in the state directory, off the threads that report (through an
/// ``OutputSink``); its path is printed at the end.
public final class RunLog: @unchecked Sendable {
    /// Where the log is.
    public let path: String
    private let handle: FileHandle
    private let sink: OutputSink

    /// Creates the log file (and its directory, mode 0700: the log may show configuration).
    /// - Throws: ``FleetError`` `.local` when the file cannot be created.
    public init(directory: String, name: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw FleetError(.local, "cannot create the state directory \(directory)", cause: error)
        }
        path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw FleetError(.local, "cannot create the run log \(path)") }
        self.handle = handle
        sink = OutputSink(descriptor: handle.fileDescriptor, name: "run log")
    }

    deinit {
        sink.flush()
        try? handle.close()
    }

    /// Waits (up to `timeout`) until every line so far is in the file.
    @discardableResult
    public func flush(timeout: Duration = .seconds(5)) -> Bool { sink.flush(timeout: timeout) }

    /// Records that an output stream stopped taking fleet's writes (a closed pipe, a full disk).
    public func outputFailed(_ message: String) { append("[\(Self.timestamp())] fleet: output \(message)\n") }

    /// Appends a line about a host.
    public func write(host: String, _ line: String) {
        append("[\(Self.timestamp())] \(host): \(line)\n")
    }

    /// Records what a batch will run. Snippets of steps that carry a secret are not written.
    func batch(host: String, _ batch: Batch, steps: [Step], redact: Redactor) {
        var text = "[\(Self.timestamp())] \(host): exec: \(batch.tasks.count) task(s), stop on failure: \(batch.stopOnFailure)\n"
        let secretSteps = Set(steps.filter { !$0.secrets.isEmpty }.map(\.id))
        for (index, task) in batch.tasks.enumerated() {
            text += "  --- task \(index): \(task.stepId) \(task.phase.rawValue) (timeout \(task.timeout))\n"
            let script = secretSteps.contains(task.stepId) ? "(not logged: this step carries a secret)" : redact(task.script)
            text += script.split(separator: "\n", omittingEmptySubsequences: false).map { "  | \($0)" }.joined(separator: "\n")
            text += "\n"
        }
        append(text)
    }

    /// Records one task's result.
    func result(host: String, _ task: RemoteTask, _ result: TaskResult, redact: Redactor) {
        var text = "[\(Self.timestamp())] \(host): \(task.stepId) \(task.phase.rawValue): exit \(result.status)"
        text += result.timedOut ? " (timed out)" : ""
        text += " in \(result.milliseconds) ms\n"
        for (name, stream) in [("stdout", result.stdout), ("stderr", result.stderr)] where !stream.isEmpty {
            text += "  \(name):\n" + redact(stream).split(separator: "\n", omittingEmptySubsequences: false)
                .map { "  > \($0)" }.joined(separator: "\n") + "\n"
        }
        append(text)
    }

    private func append(_ text: String) { sink.write(text) }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
