import Foundation

/// Drains one pipe until EOF through ``PipePoller``, without blocking a thread of the
/// cooperative pool.
///
/// Both of a child's pipes must be drained concurrently: a child that fills the 64 KiB stderr
/// buffer while the parent waits on stdout deadlocks both. `readabilityHandler` is not used
/// because its EOF callback is unreliable on Linux (swift-corelibs-foundation #3275).
final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = Data()
    private var finished = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var lastActivity = DispatchTime.now()
    private var token: PipePoller.Token = 0
    private let onChunk: (@Sendable (Data) -> Void)?

    /// Starts reading `fd`, which it owns (the poller closes it). When `onChunk` is set, chunks
    /// go there instead of being collected.
    init(_ fd: Int32, onChunk: (@Sendable (Data) -> Void)? = nil) {
        self.onChunk = onChunk
        let token = PipePoller.shared.watch(fd, onData: { [self] data in deliver(data) }, onEnd: { [self] in finish() })
        lock.withLock { self.token = token }
    }

    /// True when nothing arrived for `seconds`: only an idle pipe may be given up on.
    func idle(for seconds: Double) -> Bool {
        lock.withLock { !finished && DispatchTime.now().uptimeNanoseconds - lastActivity.uptimeNanoseconds > UInt64(seconds * 1e9) }
    }

    private func deliver(_ data: Data) {
        if let onChunk {
            lock.withLock { lastActivity = DispatchTime.now() }
            onChunk(data)
        } else {
            lock.withLock {
                lastActivity = DispatchTime.now()
                collected.append(data)
            }
        }
    }

    private func finish() {
        let pending = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            guard !finished else { return [] }
            finished = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in pending { waiter.resume() }
    }

    /// Gives up on the pipe (a grandchild may hold it open forever); what was read so far stays.
    func stop() {
        PipePoller.shared.stop(lock.withLock { token })
    }

    /// Waits until EOF (or ``stop()``), then returns what was collected.
    func result() async -> Data {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if finished {
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
        return lock.withLock { collected }
    }
}
