import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended.
public struct ProcessOutput: Sendable {
    /// Exit status, or the signal number when `signalled`.
    public var status: Int32
    /// Ended by a signal.
    public var signalled: Bool
    /// Collected stdout (empty when it was streamed to a handler).
    public var stdout: Data
    /// Collected stderr.
    public var stderr: Data
    /// Killed because its time limit passed.
    public var timedOut: Bool
}

/// One child process started through Foundation.Process with the hazards handled:
/// a clean signal mask, both pipes drained concurrently, stdin fed without blocking, one reap,
/// and teardown of its whole process group (SIGTERM, then SIGKILL after a grace period).
public final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    private let exited = ExitLatch()
    private var stdoutReader: PipeReader?
    private var stderrReader: PipeReader?
    private var stdinChannel: DispatchIO?
    private let lock = NSLock()
    private var killedForTimeout = false
    private let onStdout: (@Sendable (Data) -> Void)?
    private let input: Data?
    private let keepStdinOpen: Bool
    /// The child's pid once started (it is also its process-group id).
    public private(set) var pid: Int32 = 0

    /// Describes a child; nothing runs until ``start()``.
    /// - Parameters:
    ///   - input: bytes written to the child's stdin; nil connects stdin to /dev/null.
    ///   - keepStdinOpen: leave stdin open after `input` until the child exits (the remote
    ///     side of fleet's ssh sessions watches for EOF to kill its steps).
    ///   - onStdout: receives stdout chunks as they arrive instead of collecting them.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: Data? = nil, keepStdinOpen: Bool = false, onStdout: (@Sendable (Data) -> Void)? = nil) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        self.input = input
        self.keepStdinOpen = keepStdinOpen
        self.onStdout = onStdout
    }

    /// Starts the child.
    /// - Throws: ``FleetError`` `.spawnFailed` when it cannot be started.
    public func start() async throws {
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        let latch = exited
        process.terminationHandler = { process in
            let pid = process.processIdentifier
            ChildProcess.live.mutate { _ = $0.remove(pid) }
            latch.release()
        }
        try await Self.spawnWithCleanSignalMask(process)
        pid = process.processIdentifier
        let started = pid
        if !exited.isReleased { ChildProcess.live.mutate { _ = $0.insert(started) } }
        // The parent must not keep the child's ends open, or EOF never comes.
        try? outPipe.fileHandleForWriting.close()
        try? errPipe.fileHandleForWriting.close()
        stdoutReader = PipeReader(outPipe.fileHandleForReading, onChunk: onStdout)
        stderrReader = PipeReader(errPipe.fileHandleForReading)
        if let input {
            try? inPipe.fileHandleForReading.close()
            feed(input)
        }
    }

    private func feed(_ input: Data) {
        let fd = dup(inPipe.fileHandleForWriting.fileDescriptor)
        try? inPipe.fileHandleForWriting.close()
        let queue = DispatchQueue(label: "fleet.stdin")
        let channel = DispatchIO(type: .stream, fileDescriptor: fd, queue: queue) { _ in close(fd) }
        lock.lock()
        stdinChannel = channel
        lock.unlock()
        let payload = input.withUnsafeBytes { DispatchData(bytes: $0) }
        let keepOpen = keepStdinOpen
        channel.write(offset: 0, data: payload, queue: queue) { [weak self] done, _, error in
            if done && (!keepOpen || error != 0) { self?.closeStdin() }
        }
    }

    /// Pids of children that are running, so a hard exit can still take them down.
    static let live = Locked<Set<Int32>>([])

    /// SIGKILLs the process group of every child still running: the last act of a second Ctrl-C.
    public static func killAllNow() {
        for pid in live.value where pid > 0 {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    /// True once the child has exited.
    public var hasExited: Bool { exited.isReleased }

    /// Closes the child's stdin (EOF on the other side).
    public func closeStdin() {
        lock.lock()
        let channel = stdinChannel
        stdinChannel = nil
        lock.unlock()
        channel?.close(flags: .stop)
    }

    /// Waits for the child to exit and its pipes to drain, then returns how it ended.
    /// Returns only after the child has been reaped, even when the calling task is cancelled
    /// (cancellation terminates the child instead).
    public func wait(grace: Duration = .seconds(2)) async -> ProcessOutput {
        await withTaskCancellationHandler {
            await exited.wait()
        } onCancel: {
            self.terminate(grace: grace)
        }
        closeStdin()
        // A grandchild that escaped the group kill could hold a pipe open for ever.
        let readers = [stdoutReader, stderrReader].compactMap { $0 }
        let stopper = DispatchWorkItem { readers.forEach { $0.stop() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 5, execute: stopper)
        let out = await stdoutReader?.result() ?? Data()
        let err = await stderrReader?.result() ?? Data()
        stopper.cancel()
        let timedOut = lock.withLock { killedForTimeout }
        return ProcessOutput(status: process.terminationStatus,
                             signalled: process.terminationReason == .uncaughtSignal,
                             stdout: out, stderr: err, timedOut: timedOut)
    }

    /// Sends SIGTERM to the child's process group, then SIGKILL after `grace` if it still runs.
    public func terminate(grace: Duration = .seconds(2), forTimeout: Bool = false) {
        guard pid > 0, !exited.isReleased else { return }  // kill(-0, …) would hit fleet's own group
        if forTimeout {
            lock.lock()
            killedForTimeout = true
            lock.unlock()
        }
        let group = pid
        kill(-group, SIGTERM)
        kill(group, SIGTERM)
        let latch = exited
        let millis = Int(grace.components.seconds * 1000 + grace.components.attoseconds / 1_000_000_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(millis)) {
            if !latch.isReleased {
                kill(-group, SIGKILL)
                kill(group, SIGKILL)
            }
        }
    }

    /// libdispatch worker threads block almost every signal and a spawned child inherits the
    /// mask (swift-corelibs-foundation #4772), so SIGTERM would be blocked in ssh. Spawn from a
    /// fresh thread with an empty mask instead.
    private static func spawnWithCleanSignalMask(_ process: Process) async throws {
        let box = UncheckedBox(process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                var empty = sigset_t()
                sigemptyset(&empty)
                pthread_sigmask(SIG_SETMASK, &empty, nil)
                do {
                    try box.value.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: FleetError(
                        .spawnFailed, "cannot start \(box.value.executableURL?.path ?? "?")", cause: error))
                }
            }
            thread.start()
        }
    }
}

/// Carries a non-Sendable value across a thread hop whose safety is ensured by hand.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
