/// Something that happened during a run, in the order it happened. Reporters render these.
public enum RunEvent: Sendable, Equatable {
    /// The run begins on these hosts.
    case runStarted(mode: RunMode, hosts: [String])
    /// Connecting to a host.
    case connecting(host: String)
    /// A phase (`check` or `apply`) begins on a host with this many steps.
    case phaseStarted(host: String, phase: Phase, steps: Int)
    /// A step's phase started on a host.
    case stepStarted(host: String, stepId: String, title: String, phase: Phase)
    /// A step's outcome on a host is known.
    case stepFinished(host: String, result: StepResult)
    /// A host is done.
    case hostFinished(HostReport)
    /// The run is done.
    case runFinished(Recap)
}

/// Receives run events. Called from several threads; implementations must be thread-safe.
public protocol Reporter: Sendable {
    /// Handles one event.
    func report(_ event: RunEvent)
}

/// Sends each event to several reporters.
public struct FanOutReporter: Reporter {
    let reporters: [any Reporter]
    /// Creates a fan-out.
    public init(_ reporters: [any Reporter]) { self.reporters = reporters }
    public func report(_ event: RunEvent) { reporters.forEach { $0.report(event) } }
}
