import Fleet
import FleetTestSupport
import Foundation
import Testing

/// The built `fleet` binary against real sshd servers on 127.0.0.1: converge, stay converged,
/// find drift, show it without fixing it, fix it, speak JSON, tear down.
@Suite("fleet CLI against real sshd", .serialized, .timeLimit(.minutes(3)))
struct CLIEndToEndTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    /// Where the steps put things. Every fixture host is this machine, so the hub's paths and the
    /// hosts' paths differ by role; the two hosts share theirs.
    var root: String { folder.url.appendingPathComponent("managed").path }
    var stateDirectory: String { folder.url.appendingPathComponent("state").path }
    var hubConfig: String { root + "/hub/app.conf" }
    var hostConfig: String { root + "/hosts/app.conf" }

    static let hubContent = "listen = 8080\nworkers = 4\n"

    func inventory(_ fixture: SSHDFixture) throws -> String {
        let devices = fixture.devices.map { (name: $0.name, role: $0.role, port: $0.ssh.port ?? 22) }
        let text = CLIInventory.text(devices: devices, extraSteps: [
            #"{"id": "hub-dir", "role": "hub", "title": "hub directory", "directory": {"path": "\#(root)/hub", "mode": "0750"}}"#,
            #"{"id": "hub-conf", "role": "hub", "title": "hub config", "file": {"path": "\#(hubConfig)", "content": "listen = 8080\nworkers = 4\n"}}"#,
            #"{"id": "host-dir", "role": "host", "title": "host directory", "directory": {"path": "\#(root)/hosts"}}"#,
            #"{"id": "host-conf", "role": "host", "title": "host config", "file": {"path": "\#(hostConfig)", "content": "role = host\n", "mode": "0600"}}"#,
        ])
        let path = folder.url.appendingPathComponent("inventory.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `fleet command inventory --ssh-config … --state-dir …` plus `options`.
    func fleet(_ command: String, _ inventory: String, _ fixture: SSHDFixture, _ options: [String] = [])
        async throws -> FleetBinary.Outcome
    {
        try await FleetBinary.run([command, inventory, "--ssh-config", fixture.sshConfig, "--state-dir", stateDirectory]
                                  + options, stateDirectory: stateDirectory)
    }

    /// The text before the `run log:` line (durations replaced by `T`), and the log's path.
    func split(_ stdout: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (text: String, log: String) {
        let marker = "run log: "
        let range = try #require(stdout.range(of: "\n" + marker, options: .backwards), "no run log line",
                                 sourceLocation: sourceLocation)
        let log = stdout[range.upperBound...].trimmingCharacters(in: .newlines)
        #expect(stdout.hasSuffix("\n"), sourceLocation: sourceLocation)
        #expect(log.hasPrefix(stateDirectory + "/runs/"), sourceLocation: sourceLocation)
        #expect(FileManager.default.fileExists(atPath: log), "the printed run log \(log) exists", sourceLocation: sourceLocation)
        return (FleetBinary.timeless(String(stdout[..<range.lowerBound])), log)
    }

    func fileMode(_ path: String) throws -> String {
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        return String(try #require(mode), radix: 8)
    }

    @Test("up, up again, check, drift, dry run, repair, JSON and teardown through the real binary")
    func lifecycle() async throws {
        try await SSHDFixture.with(count: 3) { fixture in
            let inventory = try inventory(fixture)
            var logs: [String] = []

            // 1. First converge, one host at a time so that the output order is fixed.
            let first = try await fleet("up", inventory, fixture, ["--parallel", "1"])
            #expect(first.status == 0, "\(first)")
            #expect(first.stderr == "")
            let firstRun = try split(first.stdout)
            logs.append(firstRun.log)
            #expect(firstRun.text == """
                fleet up: 3 hosts
                h0 | changed | hub-dir — hub directory (T)
                h0 | changed | hub-conf — hub config (T)
                h0 | done: 2 changed in T
                h1 | changed | host-dir — host directory (T)
                h1 | changed | host-conf — host config (T)
                h1 | done: 2 changed in T
                h2 | done: 2 ok in T

                RECAP up in T
                host  ok  changed  failed  skipped  unreachable
                h0     0        2       0        0            0
                h1     0        2       0        0            0
                h2     2        0       0        0            0
                converged: 4 change(s) (exit 0)
                """)
            #expect(try String(contentsOfFile: hubConfig, encoding: .utf8) == Self.hubContent)
            #expect(try fileMode(root + "/hub") == "750")
            #expect(try fileMode(hostConfig) == "600")

            // 2. Again, all hosts at once: nothing to change.
            let second = try await fleet("up", inventory, fixture)
            #expect(second.status == 0, "\(second)")
            #expect(second.stderr == "")
            let secondRun = try split(second.stdout)
            logs.append(secondRun.log)
            var lines = secondRun.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[1...3].sort()  // hosts finish in any order
            #expect(lines.joined(separator: "\n") == """
                fleet up: 3 hosts
                h0 | done: 2 ok in T
                h1 | done: 2 ok in T
                h2 | done: 2 ok in T

                RECAP up in T
                host  ok  changed  failed  skipped  unreachable
                h0     2        0       0        0            0
                h1     2        0       0        0            0
                h2     2        0       0        0            0
                converged: nothing to change (exit 0)
                """)

            // 3. check: clean.
            let clean = try await fleet("check", inventory, fixture)
            #expect(clean.status == 0, "\(clean)")
            #expect(clean.stderr == "")
            let cleanRun = try split(clean.stdout)
            logs.append(cleanRun.log)
            lines = cleanRun.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[1...3].sort()
            #expect(lines.joined(separator: "\n") == """
                fleet check: 3 hosts (verify only: nothing will be changed)
                h0 | done: 2 ok in T
                h1 | done: 2 ok in T
                h2 | done: 2 ok in T

                RECAP check in T
                host  ok  drift  failed  skipped  unreachable
                h0     2      0       0        0            0
                h1     2      0       0        0            0
                h2     2      0       0        0            0
                clean: no drift (exit 0)
                """)

            // 4. A hand edit is drift: exit 4, the step id and a diff.
            try Data("listen = 9090\nworkers = 4\n".utf8).write(to: URL(fileURLWithPath: hubConfig))
            let drift = try await fleet("check", inventory, fixture, ["--parallel", "1"])
            #expect(drift.status == 4, "\(drift)")
            #expect(drift.stderr == "")
            let driftRun = try split(drift.stdout)
            logs.append(driftRun.log)
            #expect(driftRun.text == """
                fleet check: 3 hosts (verify only: nothing will be changed)
                h0 | DRIFT | hub-conf — hub config (T)
                    --- \(hubConfig)
                    +++ \(hubConfig) (desired)
                    @@ -1,2 +1,2 @@
                    -listen = 9090
                    +listen = 8080
                     workers = 4
                h0 | done: 1 ok, 1 drift in T
                h1 | done: 2 ok in T
                h2 | done: 2 ok in T

                RECAP check in T
                host  ok  drift  failed  skipped  unreachable
                h0     1      1       0        0            0
                h1     2      0       0        0            0
                h2     2      0       0        0            0
                drift found on 1 host(s) (exit 4); `fleet up` repairs it
                """)

            // 5. A dry run shows the same diff as "would change", exits 0 and fixes nothing.
            let dry = try await fleet("up", inventory, fixture, ["--dry-run", "--parallel", "1", "--limit", "h0"])
            #expect(dry.status == 0, "\(dry)")
            #expect(dry.stderr == "")
            let dryRun = try split(dry.stdout)
            logs.append(dryRun.log)
            #expect(dryRun.text == """
                fleet dry-run: 1 host (dry run: nothing will be changed)
                h0 | would change | hub-conf — hub config (T)
                    --- \(hubConfig)
                    +++ \(hubConfig) (desired)
                    @@ -1,2 +1,2 @@
                    -listen = 9090
                    +listen = 8080
                     workers = 4
                h0 | done: 1 ok, 1 would-change in T

                RECAP dry-run in T
                host  ok  would-change  failed  skipped  unreachable
                h0     1             1       0        0            0
                dry run: 1 step(s) would change (exit 0)
                """)
            #expect(try String(contentsOfFile: hubConfig, encoding: .utf8) == "listen = 9090\nworkers = 4\n")

            // 6. up repairs exactly that step.
            let repair = try await fleet("up", inventory, fixture, ["--parallel", "1"])
            #expect(repair.status == 0, "\(repair)")
            let repairRun = try split(repair.stdout)
            logs.append(repairRun.log)
            #expect(repairRun.text == """
                fleet up: 3 hosts
                h0 | changed | hub-conf — hub config (T)
                h0 | done: 1 ok, 1 changed in T
                h1 | done: 2 ok in T
                h2 | done: 2 ok in T

                RECAP up in T
                host  ok  changed  failed  skipped  unreachable
                h0     1        1       0        0            0
                h1     2        0       0        0            0
                h2     2        0       0        0            0
                converged: 1 change(s) (exit 0)
                """)
            #expect(try String(contentsOfFile: hubConfig, encoding: .utf8) == Self.hubContent)

            // 7. --json: JSON lines on stdout, the last one the recap with its exit code; human output on stderr.
            try Data("role = guest\n".utf8).write(to: URL(fileURLWithPath: hostConfig))
            let json = try await fleet("check", inventory, fixture, ["--json"])
            #expect(json.status == 4, "\(json)")
            let jsonLines = json.stdout.split(separator: "\n").map(String.init)
            #expect(json.stdout.hasSuffix("\n"))
            let objects = try jsonLines.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            }
            let recap = try #require(objects.last)
            #expect(recap["event"] as? String == "recap")
            #expect(recap["exit_code"] as? Int == 4)
            #expect(recap["mode"] as? String == "check")
            let drifted = objects.filter { $0["event"] as? String == "step_finished" && $0["status"] as? String == "drift" }
            #expect(drifted.compactMap { $0["host"] as? String }.sorted() == ["h1", "h2"], "both hosts share the file")
            #expect(drifted.allSatisfy { $0["step"] as? String == "host-conf" })
            #expect(drifted.allSatisfy { ($0["evidence"] as? String)?.contains("-role = guest\n+role = host") == true })
            #expect(json.stderr.contains("\ndrift found on 2 host(s) (exit 4); `fleet up` repairs it\n"))
            logs.append(try split(json.stderr).log)

            // 8. teardown --yes removes what up made.
            let teardown = try await fleet("teardown", inventory, fixture, ["--yes", "--parallel", "1"])
            #expect(teardown.status == 0, "\(teardown)")
            #expect(teardown.stderr == "")
            let teardownRun = try split(teardown.stdout)
            logs.append(teardownRun.log)
            #expect(teardownRun.text == """
                fleet teardown: 3 hosts
                h0 | changed | hub-conf — remove: hub config (T)
                h0 | changed | hub-dir — remove: hub directory (T)
                h0 | done: 2 changed in T
                h1 | changed | host-conf — remove: host config (T)
                h1 | changed | host-dir — remove: host directory (T)
                h1 | done: 2 changed in T
                h2 | done: 2 ok in T

                RECAP teardown in T
                host  ok  changed  failed  skipped  unreachable
                h0     0        2       0        0            0
                h1     0        2       0        0            0
                h2     2        0       0        0            0
                torn down: 4 step(s) undone (exit 0)
                """)
            for path in [hubConfig, hostConfig, root + "/hub", root + "/hosts"] {
                #expect(!FileManager.default.fileExists(atPath: path), "\(path) is still there after teardown")
            }
            #expect(FileManager.default.fileExists(atPath: root), "teardown leaves the parents it did not make")

            // One teardown was enough: a second one finds nothing to undo.
            let again = try await fleet("teardown", inventory, fixture, ["--yes"])
            #expect(again.status == 0, "\(again)")
            logs.append(try split(again.stdout).log)
            #expect(again.stdout.contains("\ntorn down: 0 step(s) undone (exit 0)\n"))

            // Every run left its own private log.
            #expect(Set(logs).count == 9)
            for log in logs { #expect(try fileMode(log) == "600") }
        }
    }
}
