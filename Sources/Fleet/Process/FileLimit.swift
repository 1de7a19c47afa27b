import Foundation

/// The open-file limit, raised for the hosts a run works at once: each busy host holds an ssh
/// master and an exec, each with three pipes, and the poll thread's descriptors besides.
public enum FileLimit {
    /// Descriptors one busy host needs, with room to spare.
    static let perHost: rlim_t = 12
    /// Descriptors fleet needs whatever the number of hosts (stdio, the run log, the poll pipe).
    static let base: rlim_t = 64

    /// Raises the soft limit (up to the hard one) so `parallel` hosts fit.
    /// - Returns: nil when they fit, else a message saying what to change.
    public static func ensure(parallel: Int) -> String? {
        let needed = base + perHost * rlim_t(max(parallel, 1))
        #if canImport(Darwin)
        let resource = RLIMIT_NOFILE
        #else
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        if limit.rlim_cur >= needed { return nil }
        var raised = limit
        raised.rlim_cur = min(needed, limit.rlim_max)
        if setrlimit(resource, &raised) == 0, raised.rlim_cur >= needed { return nil }
        let most = (min(limit.rlim_max, max(raised.rlim_cur, limit.rlim_cur)) - min(base, limit.rlim_cur)) / perHost
        return "--parallel \(parallel) needs about \(needed) open files, but the limit is \(limit.rlim_max)"
            + " (ulimit -Hn); use --parallel \(max(most, 1)) or raise the limit"
    }
}
