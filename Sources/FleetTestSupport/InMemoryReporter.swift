import Fleet

/// Collects run events for assertions.
public final class InMemoryReporter: Reporter, @unchecked Sendable {
    private let store = Locked<[RunEvent]>([])

    /// Creates an empty reporter.
    public init() {}

    public func report(_ event: RunEvent) { store.mutate { $0.append(event) } }

    /// Every event so far.
    public var events: [RunEvent] { store.value }

    /// The finished step results of one host, in the order they were reported.
    public func finished(on host: String) -> [StepResult] {
        events.compactMap { event in
            if case .stepFinished(host, let result) = event { return result }
            return nil
        }
    }
}
