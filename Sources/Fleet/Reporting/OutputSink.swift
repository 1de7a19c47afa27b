import Dispatch
import Foundation

/// A file descriptor that fleet writes its output to (the terminal, a pipe, the run log), written
/// on a serial queue of its own so that a stalled reader (Ctrl-S, a pipe nobody drains) never
/// holds up the thread that reports, and a closed one (`| head`, a pager quit) is not a crash:
/// the first failing write closes the sink for good and keeps why in ``failed`` (for the run
/// log), and the run goes on with its exit code intact. (`FileHandle.write` traps on EPIPE.)
public final class OutputSink: @unchecked Sendable {
    private let descriptor: Int32
    private let name: String
    private let queue: DispatchQueue
    private let group = DispatchGroup()
    private let failure = Locked<String?>(nil)

    /// Creates a sink for `descriptor`, which stays open (the caller owns it); `name` says what
    /// it is in the failure message (`stdout`).
    public init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
        queue = DispatchQueue(label: "fleet.output.\(name)")
    }

    /// fleet's standard output; every writer to it goes through this one sink, so lines keep
    /// their order.
    public static let standardOutput = OutputSink(descriptor: STDOUT_FILENO, name: "stdout")
    /// fleet's standard error, likewise.
    public static let standardError = OutputSink(descriptor: STDERR_FILENO, name: "stderr")

    /// Why the sink stopped writing, or nil while it works.
    public var failed: String? { failure.value }

    /// Queues `text`; returns at once.
    public func write(_ text: String) {
        guard failure.value == nil else { return }
        let bytes = Array(text.utf8)
        queue.async(group: group) { [self] in
            guard failure.value == nil else { return }
            if let error = Self.writeAll(descriptor, bytes) {
                let message = "\(name): \(String(cString: strerror(error))) (errno \(error)); fleet writes nothing more there"
                failure.mutate { $0 = message }
            }
        }
    }

    /// Waits until everything queued so far is written, or `timeout` passes (a stalled reader
    /// must not keep fleet from exiting). Returns whether it all went out.
    @discardableResult
    public func flush(timeout: Duration = .seconds(2)) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let nanos = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        return group.wait(timeout: .now() + .nanoseconds(nanos)) == .success
    }

    /// Writes all of `bytes` with write(2), resuming after EINTR and partial writes; the errno
    /// of the first real failure, or nil.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    // A non-blocking descriptor that is full: wait for room rather than drop output.
                    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 1000)
                    continue
                }
                return errno
            }
            offset += written
        }
        return nil
    }
}
