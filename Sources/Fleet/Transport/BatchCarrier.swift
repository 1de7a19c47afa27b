import Foundation

/// One batch's trip to a host and back, whatever carries it: a process started for it (a local
/// `sh`, or any command whose stdin becomes a root shell) or the ssh master's own session.
///
/// The ``RemoteProgram`` goes to the carrier's stdin, its events are passed on as they arrive,
/// and the trip ends at the carrier's exit, or at the program's `done` in the master's session,
/// which stays for later batches. One backstop and one cancellation path both end the carrier,
/// so every wait here ends; the ending becomes the results when `done` arrived and a precise
/// ``FleetError`` otherwise.
struct BatchCarrier: Sendable {
    private let batch: Batch
    private let host: String
    /// The carrier's exit status that means the transport failed (ssh's 255), if any.
    private let connectionLost: Int32?
    private let nonce: String
    private let stream: ProgramEventStream
    /// Released by the carrier's exit, or by `done` when that ends the trip.
    private let ended: ExitLatch
    private let endsAtDone: Bool
    /// How long the whole batch may take before its carrier is killed: every task's own limit,
    /// the kill grace of each, and a minute for the connection.
    let backstop: Duration

    private init(_ batch: Batch, host: String, connectionLost: Int32?, endsAtDone: Bool,
                 onEvent: @escaping @Sendable (BatchEvent) -> Void) {
        let ended = ExitLatch()
        let nonce = RemoteProgram.nonce(avoiding: batch)
        self.batch = batch
        self.host = host
        self.connectionLost = connectionLost
        self.nonce = nonce
        self.ended = ended
        self.endsAtDone = endsAtDone
        self.backstop = batch.tasks.reduce(Duration.seconds(60)) { $0 + $1.timeout + .seconds(6) }
        self.stream = ProgramEventStream(nonce: nonce, timeouts: batch.tasks.map(\.timeout)) { event in
            switch event {
            case .started(let index): onEvent(.started(index))
            case .finished(let result): onEvent(.finished(result))
            case .done where endsAtDone: ended.release()
            default: break
            }
        }
    }

    /// Runs `batch` on a process started for it: `command` is argv whose stdin becomes a root
    /// `sh` (e.g. `ssh … host sudo -n /bin/sh -s`). Returns once that process has exited.
    /// - Parameters:
    ///   - host: device name for error messages.
    ///   - connectionLost: exit status meaning the transport failed (ssh's 255), if any.
    static func run(_ batch: Batch, command: [String], host: String, connectionLost: Int32? = nil,
                    onEvent: @escaping @Sendable (BatchEvent) -> Void) async throws -> [TaskResult] {
        let carrier = BatchCarrier(batch, host: host, connectionLost: connectionLost, endsAtDone: false, onEvent: onEvent)
        let program = RemoteProgram.render(batch, nonce: carrier.nonce)
        let stream = carrier.stream, ended = carrier.ended
        // stdin stays open while the program runs: its watchdog takes EOF for a dead fleet.
        let child = ChildProcess(command[0], Array(command.dropFirst()), input: Data(program.utf8),
                                 keepStdinOpen: true, onStdout: { stream.feed($0) }, onExit: { ended.release() })
        try Task.checkCancellation()
        try await child.start()
        return try await carrier.carry(on: child, sending: nil)
    }

    /// Runs `batch` in the session of a running ssh master. Returns at the program's `done`, or
    /// when the master exits (connection lost, killed at the backstop, or cancelled). The program
    /// leaves the session to the next batch unless this one ``Batch/isLast``.
    static func run(_ batch: Batch, onMaster master: ChildProcess, relay: MasterRelay, host: String,
                    onEvent: @escaping @Sendable (BatchEvent) -> Void) async throws -> [TaskResult] {
        let carrier = BatchCarrier(batch, host: host, connectionLost: 255, endsAtDone: true, onEvent: onEvent)
        relay.attach(carrier.stream, ended: carrier.ended)
        let program = RemoteProgram.render(batch, nonce: carrier.nonce, keepsSession: !batch.isLast)
        return try await carrier.carry(on: master, sending: Data(program.utf8))
    }

    /// Waits for the trip's end with the backstop and cancellation armed, then concludes.
    private func carry(on carrier: ChildProcess, sending program: Data?) async throws -> [TaskResult] {
        let backstop = backstop, ended = ended
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    try? await Task.sleep(for: backstop)
                    guard !Task.isCancelled else { return }
                    carrier.terminate(grace: .seconds(2), forTimeout: true)
                }
                if let program { carrier.send(program) }
                // Released at `done` or by the carrier's exit, which the backstop and a
                // cancellation both bring about.
                await ended.wait()
                group.cancelAll()
            }
        } onCancel: {
            carrier.terminate(grace: .seconds(2))
        }
        let received = stream.received
        if endsAtDone, received.contains(.done) { return Self.results(in: received) }
        return try conclude(await carrier.wait())
    }

    private static func results(in events: [ProgramEvent]) -> [TaskResult] {
        events.compactMap { event -> TaskResult? in
            if case .finished(let result) = event { return result }
            return nil
        }
    }

    /// The results when the program said `done`; otherwise the error for how the carrier ended.
    private func conclude(_ output: ProcessOutput) throws -> [TaskResult] {
        let events = stream.received
        let results = Self.results(in: events)
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
