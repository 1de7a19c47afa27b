import Foundation

/// A value guarded by a lock, for the few places where state is shared across threads that are
/// not tasks (the pipe poll thread, the reaper, signal sources).
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    /// Wraps `value`.
    public init(_ value: Value) { stored = value }

    /// A copy of the current value.
    public var value: Value { lock.withLock { stored } }

    /// Changes the value under the lock and returns what `body` returns.
    @discardableResult
    public func mutate<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&stored) }
    }
}
