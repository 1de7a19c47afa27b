import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects the exit status of fleet's own children, by pid, without blocking a thread per child.
///
/// Foundation's `Process` cannot be used for ssh on Linux: it learns of an exit through a socket
/// the child inherits, OpenSSH closes every inherited fd at start-up (`closefrom(3)`), and
/// Foundation's single manager thread then sits in a blocking `waitpid` on the long-lived ssh
/// master, so no other child's exit is ever noticed. Here a SIGCHLD source (with a slow timer as
/// a safety net for coalesced signals) polls only the pids registered, with `WNOHANG`.
final class Reaper: @unchecked Sendable {
    static let shared = Reaper()

    private let lock = NSLock()
    private var waiting: [pid_t: @Sendable (Int32) -> Void] = [:]
    private let queue = DispatchQueue(label: "fleet.reaper")
    private var sources: [any DispatchSourceProtocol] = []

    private init() {
        let signal = DispatchSource.makeSignalSource(signal: SIGCHLD, queue: queue)
        signal.setEventHandler { [unowned self] in reap() }
        signal.resume()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [unowned self] in reap() }
        timer.resume()
        sources = [signal, timer]
    }

    /// Calls `handler` with the raw wait status once `pid` has exited (at once if it already has).
    func register(_ pid: pid_t, handler: @escaping @Sendable (Int32) -> Void) {
        lock.withLock { waiting[pid] = handler }
        queue.async { [self] in reap() }
    }

    private func reap() {
        let pids = lock.withLock { Array(waiting.keys) }
        for pid in pids {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            guard result == pid || (result == -1 && errno == ECHILD) else { continue }
            let handler = lock.withLock { waiting.removeValue(forKey: pid) }
            handler?(result == pid ? status : -1)
        }
    }
}
