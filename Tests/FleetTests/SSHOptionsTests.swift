import Foundation
import Testing
@testable import Fleet

/// The ssh argv fleet builds: the host-key policy is always pinned, and never to `no`.
@Suite("SSHOptions")
struct SSHOptionsTests {
    static let device = Device(name: "hub", role: .hub, address: "203.0.113.10")

    @Test("every argv pins StrictHostKeyChecking to accept-new or yes, never no", arguments: [
        (SSHOptions.HostKeyPolicy.acceptNew, "StrictHostKeyChecking=accept-new"),
        (SSHOptions.HostKeyPolicy.strict, "StrictHostKeyChecking=yes"),
    ])
    func hostKeyPolicy(_ policy: SSHOptions.HostKeyPolicy, _ expected: String) {
        let options = SSHOptions(configFile: "lab/ssh_config", hostKeys: policy)
        for argv in [options.masterArguments(for: Self.device, controlPath: "/tmp/c/%C")] {
            let settings = zip(argv, argv.dropFirst()).filter { $0.0 == "-o" }.map(\.1)
            #expect(settings.filter { $0.hasPrefix("StrictHostKeyChecking=") } == [expected], "\(argv)")
            #expect(!argv.contains { $0.lowercased().contains("stricthostkeychecking=no") })
            #expect(settings.contains("BatchMode=yes"))
        }
    }

    @Test("a user's file and device settings pass as single argv elements; the program is not in argv")
    func argvShape() {
        var device = Self.device
        device.ssh.user = "ops"
        device.ssh.port = 2222
        let argv = SSHOptions().masterArguments(for: device, controlPath: "/tmp/c/%C")
        #expect(argv.suffix(3) == ["--", "203.0.113.10", "sudo -n /bin/sh -s"])
        #expect(argv.contains("-l") && argv.contains("ops") && argv.contains("2222"))
    }

    @Test("user and port set only in the ssh config are the ones fleet decides with (sudo, the firewall's SSH port)")
    func effectiveFromConfig() async throws {
        let folder = try TemporaryFolder()
        let config = folder.url.appendingPathComponent("ssh_config").path
        try "Host 203.0.113.9\n  User deploy\n  Port 2222\n".write(toFile: config, atomically: true, encoding: .utf8)
        let options = SSHOptions(configFile: config)
        let devices = await options.effective([
            Device(name: "a", role: .hub, address: "203.0.113.9"),
            Device(name: "b", role: .host, address: "203.0.113.9", ssh: SSHSettings(user: "root", port: 22)),
            Device(name: "c", role: .host, address: "203.0.113.10"),
        ])
        #expect(devices[0].ssh.user == "deploy" && devices[0].ssh.port == 2222)
        #expect(options.rootShell(for: devices[0]) == "sudo -n /bin/sh -s")
        #expect(devices[1].ssh.user == "root" && devices[1].ssh.port == 22, "the inventory wins")
        #expect(devices[2].ssh.port == 22)
        let junk = SSHOptions.parseConfigDump("user Bad User\nport 99999\n")
        #expect(junk.user == nil && junk.port == nil)
    }
}
