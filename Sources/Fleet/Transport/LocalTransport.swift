/// Runs batches on this machine through `/bin/sh`, as root, with the same remote program
/// ssh uses. For demos and tests of the program itself; every device maps to localhost.
public struct LocalTransport: Transport {
    /// Creates the transport.
    public init() {}

    public func connect(to device: Device) async throws -> any Session {
        LocalSession(host: device.name)
    }
}

struct LocalSession: Session {
    let host: String

    func run(_ batch: Batch, onEvent: @escaping @Sendable (BatchEvent) -> Void) async throws -> [TaskResult] {
        try await BatchCarrier.run(batch, command: ["/bin/sh", "-s"], host: host, onEvent: onEvent)
    }

    func close() async {}
}
