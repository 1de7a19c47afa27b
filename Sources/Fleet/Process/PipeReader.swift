import Dispatch
import Foundation

/// Drains one pipe with DispatchIO until EOF, without blocking a thread of the cooperative pool.
///
/// Both of a child's pipes must be drained concurrently: a child that fills the 64 KiB stderr
/// buffer while the parent waits on stdout deadlocks both. `readabilityHandler` is not used
/// because its EOF callback is unreliable on Linux (swift-corelibs-foundation #3275).
final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = Data()
    private var finished = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let channel: DispatchIO
    private let onChunk: (@Sendable (Data) -> Void)?

    /// Starts reading `fd`, which it owns and closes. When `onChunk` is set, chunks go there
    /// instead of being collected.
    init(_ fd: Int32, onChunk: (@Sendable (Data) -> Void)? = nil) {
        self.onChunk = onChunk
        let queue = DispatchQueue(label: "fleet.pipe-reader")
        channel = DispatchIO(type: .stream, fileDescriptor: fd, queue: queue) { _ in close(fd) }
        channel.setLimit(lowWater: 1)
        channel.read(offset: 0, length: Int.max, queue: queue) { [self] done, data, _ in
            if let data, !data.isEmpty { self.deliver(Data(data)) }
            if done { self.finish() }
        }
    }

    private var lastActivity = DispatchTime.now()

    /// True when nothing arrived for `seconds`: only an idle pipe may be given up on.
    func idle(for seconds: Double) -> Bool {
        lock.withLock { !finished && DispatchTime.now().uptimeNanoseconds - lastActivity.uptimeNanoseconds > UInt64(seconds * 1e9) }
    }

    private func deliver(_ data: Data) {
        lock.withLock { lastActivity = DispatchTime.now() }
        if let onChunk {
            onChunk(data)
        } else {
            lock.lock()
            collected.append(data)
            lock.unlock()
        }
    }

    private func finish() {
        lock.lock()
        guard !finished else { lock.unlock(); return }
        finished = true
        let pending = waiters
        waiters = []
        lock.unlock()
        channel.close()
        for waiter in pending { waiter.resume() }
    }

    /// Gives up on the pipe (a grandchild may hold it open forever); what was read so far stays.
    func stop() {
        channel.close(flags: .stop)
        finish()
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
