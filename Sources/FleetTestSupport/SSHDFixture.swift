import Fleet
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Real OpenSSH servers on 127.0.0.1, one per fake host, started for a test and stopped after.
/// Needs `/usr/sbin/sshd` (Debian's openssh-server) and root, as fleet's remote program does.
public final class SSHDFixture: @unchecked Sendable {
    /// The fake hosts: names `h0`, `h1`, … at 127.0.0.1 on their own ports.
    public let devices: [Device]
    /// An ssh config that makes the system ssh log in to them (key, known_hosts).
    public let sshConfig: String
    /// The fixture's private directory.
    public let directory: String
    private let servers: [ChildProcess]

    /// Starts `count` servers and waits until each accepts connections.
    /// - Parameter logSessions: log at VERBOSE to files (see ``sessionsStarted(on:)``).
    /// - Throws: when sshd is missing or a server does not come up (with its stderr).
    public static func start(count: Int, user: String = "root", logSessions: Bool = false) async throws -> SSHDFixture {
        let sshd = "/usr/sbin/sshd"
        guard FileManager.default.isExecutableFile(atPath: sshd) else {
            throw FleetError(.local, "\(sshd) is missing: install openssh-server (.ci/run does)")
        }
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let directory = NSTemporaryDirectory() + "fleet-sshd-\(UUID().uuidString.prefix(8))"
        // 0755: sshd reads authorized_keys as the login user, who may not be root.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        for key in ["host_ed25519", "id_ed25519"] {
            let made = try await LocalProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(directory)/\(key)"])
            guard made.status == 0 else { throw FleetError(.local, "ssh-keygen failed: \(String(decoding: made.stderr, as: UTF8.self))") }
        }
        try FileManager.default.copyItem(atPath: "\(directory)/id_ed25519.pub", toPath: "\(directory)/authorized_keys")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(directory)/authorized_keys")
        let hostKey = try String(contentsOfFile: "\(directory)/host_ed25519.pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        var devices: [Device] = []
        var servers: [ChildProcess] = []
        var knownHosts = ""
        for index in 0..<count {
            let port = try freePort()
            let config = "\(directory)/sshd_config-\(index)"
            try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory)/host_ed25519
            AuthorizedKeysFile \(directory)/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PidFile none
            MaxSessions 200
            MaxStartups 200
            LogLevel \(logSessions ? "VERBOSE" : "ERROR")

            """.write(toFile: config, atomically: true, encoding: .utf8)
            let logging = logSessions ? ["-E", "\(directory)/sshd-\(index).log"] : ["-e"]
            let server = ChildProcess(sshd, ["-D"] + logging + ["-f", config])
            try await server.start()
            servers.append(server)
            knownHosts += "[127.0.0.1]:\(port) \(hostKey)\n"
            devices.append(Device(name: "h\(index)", role: index == 0 ? .hub : .host, address: "127.0.0.1",
                                  ssh: SSHSettings(user: user, port: port)))
        }
        try knownHosts.write(toFile: "\(directory)/known_hosts", atomically: true, encoding: .utf8)
        let sshConfig = "\(directory)/ssh_config"
        try """
        Host *
          IdentityFile \(directory)/id_ed25519
          IdentitiesOnly yes
          UserKnownHostsFile \(directory)/known_hosts
          GlobalKnownHostsFile /dev/null
          LogLevel ERROR

        """.write(toFile: sshConfig, atomically: true, encoding: .utf8)
        let fixture = SSHDFixture(devices: devices, sshConfig: sshConfig, directory: directory, servers: servers)
        for (device, server) in zip(devices, servers) {
            try await fixture.waitForListener(port: device.ssh.port ?? 22, server: server)
        }
        return fixture
    }

    private init(devices: [Device], sshConfig: String, directory: String, servers: [ChildProcess]) {
        self.devices = devices
        self.sshConfig = sshConfig
        self.directory = directory
        self.servers = servers
    }

    /// Stops every server (SIGTERM to its group) and removes the directory.
    public func stop() async {
        for server in servers { server.terminate(grace: .seconds(1)) }
        for server in servers { _ = await server.wait() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// How many sessions (a command run over a channel) server `index` has started, from its
    /// VERBOSE log; needs `logSessions`.
    public func sessionsStarted(on index: Int) -> Int {
        let log = (try? String(contentsOfFile: "\(directory)/sshd-\(index).log", encoding: .utf8)) ?? ""
        // Counted, not split into lines: sshd ends its lines with CRLF, one Character in Swift.
        return log.components(separatedBy: "Starting session:").count - 1
    }

    /// How many logins server `index` accepted (a new connection each), from its VERBOSE log;
    /// needs `logSessions`.
    public func loginsAccepted(on index: Int) -> Int {
        let log = (try? String(contentsOfFile: "\(directory)/sshd-\(index).log", encoding: .utf8)) ?? ""
        return log.components(separatedBy: "Accepted publickey").count - 1
    }

    /// An unused TCP port on 127.0.0.1 (asks the kernel for one, then releases it).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw FleetError(.local, "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func waitForListener(port: Int, server: ChildProcess) async throws {
        for _ in 0..<200 {
            if Self.accepts(port: port) { return }
            if server.hasExited {
                let output = await server.wait()
                throw FleetError(.local, "sshd on port \(port) exited: \(String(decoding: output.stderr, as: UTF8.self))")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw FleetError(.local, "sshd on port \(port) did not start listening within 5 s")
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
