/// The end-of-run summary: one row per host, and the exit code the run deserves.
public struct Recap: Sendable, Equatable {
    /// The mode of the run.
    public var mode: RunMode
    /// One report per host, in inventory order.
    public var hosts: [HostReport]
    /// True when the run was interrupted.
    public var interrupted: Bool
    /// Wall time of the run, milliseconds.
    public var milliseconds: Int

    /// Creates a recap.
    public init(mode: RunMode, hosts: [HostReport], interrupted: Bool = false, milliseconds: Int = 0) {
        self.mode = mode
        self.hosts = hosts
        self.interrupted = interrupted
        self.milliseconds = milliseconds
    }

    /// The documented exit code: 130 interrupted, 2 a step failed, 3 a host unreachable,
    /// 4 drift found by check, 0 otherwise. The most serious condition wins.
    public var exitCode: Int32 {
        if interrupted { return ExitCode.interrupted }
        if hosts.contains(where: { $0.count(.failed) > 0 || $0.error != nil }) { return ExitCode.stepFailed }
        if hosts.contains(where: { $0.unreachable != nil }) { return ExitCode.unreachable }
        if mode == .check, hosts.contains(where: { $0.count(.drift) > 0 }) { return ExitCode.drift }
        return ExitCode.success
    }

    /// Steps changed (or that would change) over all hosts.
    public var totalChanged: Int { hosts.reduce(0) { $0 + $1.count(.changed) + $1.count(.wouldChange) } }
}

/// fleet's exit codes.
public enum ExitCode {
    /// Converged, or clean.
    public static let success: Int32 = 0
    /// A step failed.
    public static let stepFailed: Int32 = 2
    /// A host was unreachable.
    public static let unreachable: Int32 = 3
    /// `check` found drift.
    public static let drift: Int32 = 4
    /// Bad command line (sysexits EX_USAGE).
    public static let usage: Int32 = 64
    /// Bad inventory (sysexits EX_DATAERR).
    public static let badInventory: Int32 = 65
    /// Interrupted (128 + SIGINT).
    public static let interrupted: Int32 = 130
    /// A local problem before any host was touched: ssh missing, the auth key unreadable, the
    /// state directory not writable.
    public static let local: Int32 = 1
    /// A defect in fleet's own playbook (sysexits EX_SOFTWARE).
    public static let software: Int32 = 70

    /// The exit code of a run that ended with `error` before any recap.
    public static func of(_ error: any Error) -> Int32 {
        switch (error as? FleetError)?.code {
        case .usage?: usage
        case .inventoryInvalid?: badInventory
        case .playbookDefect?: software
        case .cancelled?: interrupted
        default: local
        }
    }
}
