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
        let stream = ProgramEventStream(nonce: nonce, timeouts: batch.tasks.map(\.timeout)) { event in
            switch event {
            case .started(let index): onEvent(.started(index))
            case .finished(let result): onEvent(.finished(result))
            default: break
            }
        }
        let backstop = batch.tasks.reduce(Duration.seconds(60)) { $0 + $1.timeout + .seconds(6) }
        let output = try await LocalProcess.run(
            command[0], Array(command.dropFirst()), input: Data(program.utf8), keepStdinOpen: true,
            timeout: backstop, onStdout: { stream.feed($0) })
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
