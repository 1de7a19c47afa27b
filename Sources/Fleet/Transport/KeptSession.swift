/// A device's connection over a kept master: each batch is one exec over its socket.
final class KeptSession: Session {
    let device: Device
    let options: SSHOptions

    init(device: Device, options: SSHOptions) {
        self.device = device
        self.options = options
    }

    func run(_ batch: Batch, onEvent: @escaping @Sendable (BatchEvent) -> Void) async throws -> [TaskResult] {
        try await BatchCarrier.run(batch, command: options.execArguments(for: device, controlPath: KeptConnections.controlPath),
                                   host: device.name, connectionLost: 255, onEvent: onEvent)
    }

    /// The master stays for the next run; it ends itself once idle.
    func close() async {}
}
