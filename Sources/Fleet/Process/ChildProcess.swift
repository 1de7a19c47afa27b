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

/// One child process with the hazards handled: its own process group, a clean signal mask,
/// both pipes drained concurrently, stdin fed without blocking, one reap, and teardown of its
/// whole group (SIGTERM, then SIGKILL after a grace period).
public final class ChildProcess: @unchecked Sendable {
    private let executable: String
    private let arguments: [String]
    private let environment: [String: String]?
    private let input: Data?
    private let keepStdinOpen: Bool
    private let onStdout: (@Sendable (Data) -> Void)?
    private let onExit: (@Sendable () -> Void)?
    private let exited = ExitLatch()
    private let lock = NSLock()
    private var rawStatus: Int32 = 0
    private var killedForTimeout = false
    private var stdoutReader: PipeReader?
    private var stderrReader: PipeReader?
    private var stdinToken: PipePoller.Token?
    /// The child's pid once started (it is also its process-group id).
    public private(set) var pid: Int32 = 0

    /// Pids of children that are running, so a hard exit can still take them down.
    static let live = Locked<Set<Int32>>([])

    /// Describes a child; nothing runs until ``start()``.
    /// - Parameters:
    ///   - input: bytes written to the child's stdin; nil connects stdin to /dev/null.
    ///   - keepStdinOpen: leave stdin open after `input` until the child exits (the remote
    ///     side of fleet's ssh sessions watches for EOF to kill its steps).
    ///   - onStdout: receives stdout chunks as they arrive instead of collecting them.
    ///   - onExit: called once when the child has exited (its pipes may still hold output).
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: Data? = nil, keepStdinOpen: Bool = false, onStdout: (@Sendable (Data) -> Void)? = nil,
                onExit: (@Sendable () -> Void)? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.input = input
        self.keepStdinOpen = keepStdinOpen
        self.onStdout = onStdout
        self.onExit = onExit
    }

    /// Starts the child.
    /// - Throws: ``FleetError`` `.spawnFailed` when it cannot be started.
    public func start() async throws {
        let out = try Spawn.pipe()
        let err = try Spawn.pipe()
        let inPipe = input == nil ? nil : try Spawn.pipe()
        let devNull = inPipe == nil ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1
        defer {
            close(out.write)
            close(err.write)
            if let inPipe { close(inPipe.read) }
            if devNull >= 0 { close(devNull) }
        }
        let started: pid_t
        do {
            started = try Spawn.start(executable, arguments, environment: environment,
                                      stdin: inPipe?.read ?? devNull, stdout: out.write, stderr: err.write)
        } catch {
            [out.read, err.read, inPipe?.write].compactMap { $0 }.forEach { close($0) }
            throw error
        }
        pid = started
        Self.live.mutate { _ = $0.insert(started) }
        let latch = exited
        let onExit = onExit
        Reaper.shared.register(started) { [weak self] status in
            Self.live.mutate { _ = $0.remove(started) }
            self?.lock.withLock { self?.rawStatus = status }
            latch.release()
            onExit?()
        }
        stdoutReader = PipeReader(out.read, onChunk: onStdout)
        stderrReader = PipeReader(err.read)
        if let inPipe, let input { feed(input, to: inPipe.write) }
    }

    private func feed(_ input: Data, to fd: Int32) {
        let token = PipePoller.shared.feed(fd, input, closeWhenDone: !keepStdinOpen)
        lock.withLock { stdinToken = token }
    }

    /// SIGKILLs the process group of every child still running: the last act of a second Ctrl-C.
    public static func killAllNow() {
        for pid in live.value where pid > 0 {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    /// True once the child has exited.
    public var hasExited: Bool { exited.isReleased }

    /// Writes more to a stdin kept open (`keepStdinOpen`); false when it is already closed.
    @discardableResult
    public func send(_ data: Data) -> Bool {
        guard let token = lock.withLock({ stdinToken }) else { return false }
        PipePoller.shared.append(token, data)
        return true
    }

    /// Closes the child's stdin (EOF on the other side).
    public func closeStdin() {
        let token = lock.withLock { () -> PipePoller.Token? in
            defer { stdinToken = nil }
            return stdinToken
        }
        if let token { PipePoller.shared.stop(token) }
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
        // A grandchild that escaped the group kill could hold a pipe open for ever: give up on a
        // pipe that stays silent for 5 s after the exit (one still delivering data is read out).
        let readers = [stdoutReader, stderrReader].compactMap { $0 }
        let watchdog = DispatchSource.makeTimerSource(queue: .global())
        watchdog.schedule(deadline: .now() + 1, repeating: 1)
        watchdog.setEventHandler { readers.filter { $0.idle(for: 5) }.forEach { $0.stop() } }
        watchdog.resume()
        let out = await stdoutReader?.result() ?? Data()
        let err = await stderrReader?.result() ?? Data()
        watchdog.cancel()
        let (status, timedOut) = lock.withLock { (rawStatus, killedForTimeout) }
        let signalled = status & 0x7f != 0 && status != -1
        return ProcessOutput(status: signalled ? status & 0x7f : (status >> 8) & 0xff, signalled: signalled,
                             stdout: out, stderr: err, timedOut: timedOut)
    }

    /// Sends SIGTERM to the child's process group, then SIGKILL after `grace` if it still runs.
    public func terminate(grace: Duration = .seconds(2), forTimeout: Bool = false) {
        guard pid > 0, !exited.isReleased else { return }  // kill(-0, …) would hit fleet's own group
        if forTimeout { lock.withLock { killedForTimeout = true } }
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
}
