import Fleet
import FleetTestSupport
import Foundation
import Testing

/// Ctrl-C on the real binary: the first SIGINT stops the run, kills the ssh children and the
/// remote step processes, and still prints the recap; exit 130.
@Suite("fleet CLI interrupted", .serialized, .timeLimit(.minutes(2)))
struct CLIInterruptTests {
    @Test("SIGINT mid-step: exit 130, recap printed, no ssh child and no remote step left")
    func interrupt() async throws {
        let fixture = try await SSHDFixture.start(count: 2)
        let state = NSTemporaryDirectory() + "fleet-int-\(UUID().uuidString.prefix(8))"
        let marker = state + "-pids"
        defer {
            try? FileManager.default.removeItem(atPath: state)
            try? FileManager.default.removeItem(atPath: marker)
        }
        let devices = fixture.devices.enumerated().map { index, device in
            #"{"name": "\#(index == 0 ? "hub" : "host-\(index - 1)")", "role": "\#(index == 0 ? "hub" : "host")", "address": "127.0.0.1", "ssh": {"port": \#(device.ssh.port!)}}"#
        }
        let inventory = state + ".json"
        try #"""
            {"playbook": "none", "ssh": {"user": "root"}, "devices": [\#(devices.joined(separator: ", "))],
             "extraSteps": [{"id": "slow", "command": {"check": "sleep 120 & echo $! >> \#(marker); wait", "apply": "true"}}]}
            """#.write(toFile: inventory, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: inventory) }

        let fleet = ChildProcess(try FleetBinary.path(),
                                 ["up", inventory, "--ssh-config", fixture.sshConfig, "--state-dir", state],
                                 environment: FleetBinary.environment(stateDirectory: state))
        try await fleet.start()
        for _ in 0..<200 where (try? String(contentsOfFile: marker, encoding: .utf8))?.split(separator: "\n").count != 2 {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(fleet.pid, SIGINT)
        let output = await fleet.wait()
        let stdout = String(decoding: output.stdout, as: UTF8.self)
        let stderr = String(decoding: output.stderr, as: UTF8.self)
        await fixture.stop()
        #expect(output.status == 130, "\(stdout)\(stderr)")
        #expect(stderr.contains("interrupted: stopping"))
        #expect(stdout.contains("RECAP up"))
        #expect(stdout.contains("interrupted (exit 130)"))
        let pids = try String(contentsOfFile: marker, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(pids.count == 2)
        for pid in pids { #expect(await ProcessProbe.gone(pid), "remote step \(pid) must be killed") }
        #expect(Self.sshProcesses(using: fixture.sshConfig).isEmpty, "no ssh (master or exec) may outlive fleet")
    }

    /// Live ssh processes, whoever their parent now is, whose command line names `config`.
    static func sshProcesses(using config: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("ssh\n") == true,
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] != "Z",
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: cmdline, as: UTF8.self).contains(config)
        }
    }
}
