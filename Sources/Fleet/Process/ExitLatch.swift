import Foundation

/// A one-shot latch released when the reaper has collected a child's exit.
///
/// Waiting is deliberately *not* cancellation-aware: a cancelled run must still reap its child,
/// or `terminationStatus` traps and the child leaks. Cancellation kills the child instead, and
/// the kill releases this latch.
final class ExitLatch: @unchecked Sendable {
    private let lock = NSLock()
    private var released = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func release() {
        lock.lock()
        released = true
        let pending = waiters
        waiters = []
        lock.unlock()
        for waiter in pending { waiter.resume() }
    }

    var isReleased: Bool {
        lock.lock()
        defer { lock.unlock() }
        return released
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if released {
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}
