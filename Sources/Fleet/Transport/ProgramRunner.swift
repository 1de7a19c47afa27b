import Foundation

/// Runs a ``RemoteProgram`` through some command (ssh, or a local shell in tests and demos),
/// streaming its events and turning an abnormal end into a precise ``FleetError``.
public enum ProgramRunner {
    /// Runs `batch` by feeding the program to `command` on stdin.
    /// - Parameters:
    ///   - command: argv whose stdin becomes a root `sh`, e.g. `ssh … host sudo -n /bin/sh -s`.
    ///   - host: device name for error messages.
    ///   - connectionLost: exit status meaning the transport failed (ssh's 255), if any.
    public static func run(
        _ batch: Batch, command: [String], host: String, connectionLost: Int32? = nil,
        onEvent: @escaping @Sendable (BatchEvent) -> Void
    ) async throws -> [TaskResult] {
        let nonce = RemoteProgram.nonce(avoiding: batch)
        let program = RemoteProgram.render(batch, nonce: nonce)
        let stream = events(for: batch, nonce: nonce, onEvent: onEvent)
        let backstop = backstop(for: batch)
        let output = try await LocalProcess.run(
            command[0], Array(command.dropFirst()), input: Data(program.utf8), keepStdinOpen: true,
            timeout: backstop, onStdout: { stream.feed($0) })
        return try conclude(batch, stream: stream, output: output, backstop: backstop, host: host,
                            connectionLost: connectionLost)
    }

    /// The event stream of one run of `batch`, passing task progress on to `onEvent`; `also`
    /// sees every event (the master session waits for `done` with it).
    static func events(for batch: Batch, nonce: String, onEvent: @escaping @Sendable (BatchEvent) -> Void,
                       also: (@Sendable (ProgramEvent) -> Void)? = nil) -> ProgramEventStream {
        ProgramEventStream(nonce: nonce, timeouts: batch.tasks.map(\.timeout)) { event in
            switch event {
            case .started(let index): onEvent(.started(index))
            case .finished(let result): onEvent(.finished(result))
            default: break
            }
            also?(event)
        }
    }

    /// How long a whole batch may take before its carrier is killed: every task's own limit,
    /// the kill grace of each, and a minute for the connection.
    static func backstop(for batch: Batch) -> Duration {
        batch.tasks.reduce(Duration.seconds(60)) { $0 + $1.timeout + .seconds(6) }
    }

    /// The results when the program said `done`; otherwise the precise error for how it ended.
    /// - Parameter output: how the carrying process ended (or, for a program that said `done`,
    ///   anything: it is not read).
    static func conclude(_ batch: Batch, stream: ProgramEventStream, output: ProcessOutput, backstop: Duration,
                         host: String, connectionLost: Int32?) throws -> [TaskResult] {
        let events = stream.received
        let results = events.compactMap { event -> TaskResult? in
            if case .finished(let result) = event { return result }
            return nil
        }
        if events.contains(.done) { return results }
        let stderr = String(decoding: output.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let current = batch.tasks.indices.contains(results.count) ? batch.tasks[results.count].stepId : nil
        if Task.isCancelled {
            throw FleetError(.cancelled, "interrupted", host: host, step: current)
        }
        for event in events {
            if case .fatal(let reason) = event {
                let message = reason == "not-root"
                    ? "the remote program is not running as root" : "the remote program could not start: \(reason)"
                throw FleetError(.privilege, message, host: host)
            }
        }
        let saidHello = events.contains { if case .hello = $0 { return true } else { return false } }
        if !saidHello, let problem = SudoProblem(stderr: stderr) {
            throw FleetError(.privilege, problem.message, host: host)
        }
        if output.timedOut {
            throw FleetError(.timeout, "no answer within \(backstop) for the whole batch", host: host, step: current)
        }
        if let connectionLost, output.status == connectionLost, !output.signalled {
            let detail = stderr.isEmpty ? "" : ": \(stderr)"
            let when = saidHello ? "connection lost while running" : "connection failed"
            throw FleetError(.unreachable, "\(when)\(detail)", host: host, step: saidHello ? current : nil)
        }
        let noise = stream.unparsed.trimmingCharacters(in: .whitespacesAndNewlines)
        var message = "remote program ended unexpectedly (exit \(output.status))"
        if !stderr.isEmpty { message += ": \(stderr)" }
        if !noise.isEmpty { message += "; unexpected output: \(noise.prefix(500))" }
        throw FleetError(.protocolError, message, host: host, step: current)
    }
}

extension ProcessOutput {
    /// Stands in for the output of a carrier that has not ended (the master after `done`).
    static let unread = ProcessOutput(status: 0, signalled: false, stdout: Data(), stderr: Data(), timedOut: false)
}

/// sudo's ways of refusing to run without a human, turned into fix-it messages.
struct SudoProblem {
    let message: String

    init?(stderr: String) {
        if stderr.contains("a password is required") || stderr.contains("a terminal is required") {
            message = "sudo asks for a password; fleet runs `sudo -n` and cannot answer it. "
                + "Give the SSH user passwordless sudo (NOPASSWD) or connect as root"
        } else if stderr.contains("must have a tty") {
            message = "sudo requires a tty (`Defaults requiretty`); remove requiretty for the SSH user"
        } else if stderr.contains("sudo: not found") || stderr.contains("sudo: command not found") {
            message = "the SSH user is not root and sudo is not installed on the host; install sudo or connect as root"
        } else if stderr.contains("is not in the sudoers file") || stderr.contains("not allowed to execute") {
            message = "the SSH user may not use sudo: \(stderr)"
        } else {
            return nil
        }
    }
}
