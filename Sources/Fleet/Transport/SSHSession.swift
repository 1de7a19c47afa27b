import Foundation

/// One device's connection: the ssh master (its control socket only tells ``SSHTransport``
/// when it has logged in).
///
/// The master's own session is a root shell waiting on stdin, and every batch of the run goes
/// to it, one program after the other (``RemoteProgram``'s `keepsSession`): a run costs a host
/// one session, as a single plain `ssh` would, and a cold `up`'s applies wait for no channel to
/// open. The shell stays until fleet closes the master's stdin, so however fleet ends (even by
/// SIGKILL) the session ends and the master exits instead of lingering as an orphan; a batch
/// that ``Batch/isLast`` ends the session at `done` instead, one round trip sooner.
final class SSHSession: Session, @unchecked Sendable {
    let device: Device
    let master: ChildProcess
    private let relay: MasterRelay
    /// Set once a last batch was sent, which ends the session.
    private let lastSent = Locked(false)
    private let closed = Locked(false)

    init(device: Device, master: ChildProcess, relay: MasterRelay) {
        self.device = device
        self.master = master
        self.relay = relay
    }

    func run(_ batch: Batch, onEvent: @escaping @Sendable (BatchEvent) -> Void) async throws -> [TaskResult] {
        let afterLast = lastSent.mutate { sent -> Bool in
            defer { sent = sent || batch.isLast }
            return sent
        }
        // The session ended with that batch: a caller that sends another broke Batch.isLast's promise.
        precondition(!afterLast, "a batch was sent to \(device.name) after its last one")
        return try await BatchCarrier.run(batch, onMaster: master, relay: relay, host: device.name, onEvent: onEvent)
    }

    func close() async {
        let first = closed.mutate { value -> Bool in
            defer { value = true }
            return !value
        }
        guard first else { return }
        // EOF ends the master's own session (the held program, or the shell still waiting for
        // one), and with it the master.
        master.closeStdin()
        let fallback = DispatchWorkItem { [master] in master.terminate(grace: .milliseconds(500)) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 3, execute: fallback)
        _ = await master.wait()
        fallback.cancel()
    }
}

/// Carries the master's stdout to the event stream of the batch its session runs, and its exit
/// to that batch's waiter. Both arrive on other threads.
final class MasterRelay: @unchecked Sendable {
    private struct State {
        var stream: ProgramEventStream?
        var ended: ExitLatch?
        var exited = false
        /// Output that came before any batch was attached (a chatty login shell).
        var early = Data()
    }

    private let state = Locked(State())

    /// From now on, stdout goes to `stream` and the master's exit releases `ended`.
    func attach(_ stream: ProgramEventStream, ended: ExitLatch) {
        // Fed under the lock, so early output cannot overtake or trail a chunk arriving now.
        let exited = state.mutate { state -> Bool in
            state.stream = stream
            state.ended = ended
            if !state.early.isEmpty { stream.feed(state.early) }
            state.early = Data()
            return state.exited
        }
        if exited { ended.release() }
    }

    func feed(_ chunk: Data) {
        state.mutate { state in
            if let stream = state.stream {
                stream.feed(chunk)
            } else if state.early.count < 65536 {
                state.early.append(chunk)
            }
        }
    }

    func masterExited() {
        state.mutate { state -> ExitLatch? in
            state.exited = true
            return state.ended
        }?.release()
    }
}
