import Foundation

/// The real transport: the system `ssh`, one explicit ControlMaster per device, whose own
/// session carries every batch of the run (``SSHSession``); with ``SSHOptions/persist``, a kept
/// master per device instead, reused across runs (``KeptConnections``).
public final class SSHTransport: Transport, @unchecked Sendable {
    private let options: SSHOptions
    /// Private directory for this run's control sockets; nil when connections are kept.
    private let directory: ControlDirectory?
    private let counter = Locked(0)

    /// Creates the transport and its private control-socket directory (sweeping those that
    /// crashed runs left behind), or checks the kept connections' directory.
    /// - Throws: ``FleetError`` `.local` when the directory cannot be made or is not private.
    public init(options: SSHOptions = SSHOptions()) throws {
        self.options = options
        if options.persist == nil {
            directory = try ControlDirectory()
        } else {
            try KeptConnections.prepare()
            directory = nil
        }
    }

    public func connect(to device: Device) async throws -> any Session {
        guard let directory else {
            if await !KeptConnections.isAlive(device, options: options) {
                try await KeptConnections.start(device, options: options)
            }
            return KeptSession(device: device, options: options)
        }
        let index = counter.mutate { value -> Int in
            value += 1
            return value
        }
        let path = "\(directory.path)/\(index)"
        let argv = options.masterArguments(for: device, controlPath: path)
        let relay = MasterRelay()
        let master = ChildProcess(argv[0], Array(argv.dropFirst()), input: Data(), keepStdinOpen: true,
                                  onStdout: { relay.feed($0) }, onExit: { relay.masterExited() })
        try await master.start()
        let deadline = ContinuousClock.now + .seconds(options.connectTimeout * 3 + 5)
        while !FileManager.default.fileExists(atPath: path) {
            if master.hasExited || ContinuousClock.now > deadline || Task.isCancelled {
                master.terminate(grace: .milliseconds(500))
                let output = await master.wait()
                let stderr = String(decoding: output.stderr, as: UTF8.self)
                if Task.isCancelled { throw FleetError(.cancelled, "interrupted while connecting", host: device.name) }
                if let problem = SudoProblem(stderr: stderr) { throw FleetError(.privilege, problem.message, host: device.name) }
                throw FleetError(.unreachable, Self.explain(stderr, device: device, timedOut: ContinuousClock.now > deadline), host: device.name)
            }
            try? await Task.sleep(for: .milliseconds(15))
        }
        return SSHSession(device: device, master: master, relay: relay)
    }

    /// Turns ssh's stderr into a message that says what to do.
    static func explain(_ stderr: String, device: Device, timedOut: Bool) -> String {
        let text = stderr.split(separator: "\n").filter { !$0.hasPrefix("Warning: Permanently added") }
            .joined(separator: "; ").trimmingCharacters(in: .whitespaces)
        // known_hosts names a host on another port than 22 as `[address]:port`.
        let port = device.ssh.port.flatMap { $0 == 22 ? nil : $0 }
        let entry = port.map { "'[\(device.address)]:\($0)'" } ?? device.address
        let scan = port.map { "-p \($0) \(device.address)" } ?? device.address
        if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return "the host key of \(device.address) has CHANGED since it was recorded in known_hosts; "
                + "if the machine was reinstalled, remove the old key with `ssh-keygen -R \(entry)` and run again"
        }
        if stderr.contains("Host key verification failed") {
            return "the host key of \(device.address) is not known and --strict-host-keys is set; "
                + "add it first (`ssh-keyscan \(scan) >> ~/.ssh/known_hosts`, after checking its fingerprint)"
        }
        if stderr.contains("Permission denied") {
            return "authentication failed for \(device.address): \(text)"
        }
        if text.isEmpty { return timedOut ? "no connection to \(device.address) in time" : "ssh to \(device.address) failed" }
        return text
    }
}
