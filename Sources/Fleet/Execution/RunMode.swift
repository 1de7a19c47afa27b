/// What a run does to the hosts.
public enum RunMode: String, Sendable, Equatable, Codable {
    /// Check every step, apply what differs, verify what was applied.
    case up
    /// Check every step and report what `up` would change; changes nothing.
    case dryRun = "dry-run"
    /// Verify every step and report drift; changes nothing.
    case check
    /// Undo every step in reverse order.
    case teardown

    /// True when the run may change hosts.
    public var changesHosts: Bool { self == .up || self == .teardown }
}

/// Settings of one run.
public struct RunOptions: Sendable, Equatable {
    /// The mode.
    public var mode: RunMode
    /// At most this many hosts are worked at once.
    public var parallel: Int
    /// Time limit of one phase of one step, unless the step sets its own.
    public var stepTimeout: Duration

    /// Creates options.
    public init(mode: RunMode, parallel: Int = 32, stepTimeout: Duration = .seconds(300)) {
        self.mode = mode
        self.parallel = max(1, parallel)
        self.stepTimeout = stepTimeout
    }
}
