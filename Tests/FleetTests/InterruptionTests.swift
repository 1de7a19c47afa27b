import Fleet
import FleetTestSupport
import Foundation
import Testing

/// The real binary against real sshd when its output goes away or the terminal closes: no
/// crash, an exit code that still means something, and nothing left behind locally.
@Suite("fleet interrupted: closed output, SIGHUP, control directories", .serialized, .timeLimit(.minutes(3)))
struct InterruptionTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    var stateDirectory: String { folder.url.appendingPathComponent("state").path }

    func inventory(_ fixture: SSHDFixture, steps: [String]) throws -> String {
        let devices = fixture.devices.map { (name: $0.name, role: $0.role, port: $0.ssh.port ?? 22) }
        let path = folder.url.appendingPathComponent("inventory.json").path
        try CLIInventory.text(devices: devices, extraSteps: steps).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The control directories whose owner file names `pid`.
    static func controlDirectories(of pid: Int32) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        return names.filter { $0.hasPrefix("fleet-ssh-") }.filter { name in
            let owner = (try? String(contentsOfFile: "/tmp/\(name)/owner", encoding: .utf8)) ?? ""
            return owner.split(separator: " ").first == Substring(String(pid))
        }
    }

    @Test("stdout closed before the run ends (| true): fleet finishes the job, keeps its exit code, the log says so")
    func closedStdout() async throws {
        try await SSHDFixture.with(count: 2) { fixture in
            let marker = folder.url.appendingPathComponent("done").path
            let inventory = try inventory(fixture, steps: [
                #"{"id": "slow", "command": {"check": "[ -e '\#(marker)' ]", "apply": "sleep 1; touch '\#(marker)'"}}"#,
            ])
            let fleet = try FleetBinary.path()
            let script = """
                "$0" up "$1" --ssh-config "$2" --state-dir "$3" -v | true
                echo "fleet exit ${PIPESTATUS[0]}" >&2
                """
            let output = try await LocalProcess.run("/bin/bash", ["-c", script, fleet, inventory, fixture.sshConfig, stateDirectory],
                                                    environment: FleetBinary.environment(stateDirectory: stateDirectory),
                                                    timeout: .seconds(120))
            let stderr = String(decoding: output.stderr, as: UTF8.self)
            #expect(stderr.contains("fleet exit 0"), "\(stderr)")
            #expect(FileManager.default.fileExists(atPath: marker), "the run went on after its stdout closed")
            let logs = try FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/runs")
            let log = try String(contentsOfFile: stateDirectory + "/runs/" + #require(logs.first), encoding: .utf8)
            #expect(log.contains("fleet: output stdout: Broken pipe"), "\(log)")
            #expect(log.contains("slow apply: exit 0"), "the log is complete: \(log)")
        }
    }

    @Test("stdout that nobody reads (a full pipe) holds up no host: the run ends, the run log is complete")
    func stalledStdout() async throws {
        try await SSHDFixture.with(count: 2) { fixture in
            // Enough verbose lines to fill a 64 KiB pipe several times over.
            let steps = (0..<600).map { #"{"id": "s\#($0)", "title": "a step with a long enough title to fill the pipe \#($0)", "command": {"check": "true", "apply": "true"}}"# }
            let inventory = try inventory(fixture, steps: steps)
            let fifo = folder.url.appendingPathComponent("stalled").path
            // The FIFO is held open for reading (fd 3) and never read.
            let script = """
                mkfifo "$4" && exec 3<>"$4"
                timeout 120 "$0" check "$1" --ssh-config "$2" --state-dir "$3" -v >"$4"
                echo "fleet exit $?" >&2
                """
            let start = ContinuousClock.now
            let output = try await LocalProcess.run("/bin/bash", ["-c", script, try FleetBinary.path(), inventory,
                                                                 fixture.sshConfig, stateDirectory, fifo],
                                                    environment: FleetBinary.environment(stateDirectory: stateDirectory),
                                                    timeout: .seconds(150))
            let stderr = String(decoding: output.stderr, as: UTF8.self)
            #expect(stderr.contains("fleet exit 0"), "\(stderr)")
            #expect(ContinuousClock.now - start < .seconds(60))
            let logs = try FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/runs")
            let log = try String(contentsOfFile: stateDirectory + "/runs/" + #require(logs.first), encoding: .utf8)
            for host in ["h0", "h1"] { #expect(log.contains("\(host): s599 verify: exit 0"), "the log has every host's last step") }
        }
    }

    @Test("SIGHUP (terminal closed) stops a run like Ctrl-C: exit 130, no ssh and no control directory left")
    func hangup() async throws {
        try await SSHDFixture.with(count: 1) { fixture in
            let inventory = try inventory(fixture, steps: [#"{"id": "hang", "command": {"check": "exit 1", "apply": "sleep 60"}}"#])
            let child = ChildProcess(try FleetBinary.path(),
                                     ["up", inventory, "--ssh-config", fixture.sshConfig, "--state-dir", stateDirectory],
                                     environment: FleetBinary.environment(stateDirectory: stateDirectory))
            try await child.start()
            let pid = child.pid
            // Wait until the apply runs, so there is a master, a control socket and a remote step.
            let deadline = ContinuousClock.now + .seconds(60)
            while FleetBinary.children(of: pid, named: "ssh").count < 2, ContinuousClock.now < deadline, !child.hasExited {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(Self.controlDirectories(of: pid).count == 1, "a running fleet has its control directory")
            kill(pid, SIGHUP)
            let start = ContinuousClock.now
            let output = await child.wait()
            #expect(ContinuousClock.now - start < .seconds(20))
            #expect(!output.signalled && output.status == ExitCode.interrupted,
                    "exit \(output.status): \(String(decoding: output.stderr, as: UTF8.self))")
            #expect(Self.controlDirectories(of: pid).isEmpty, "the control directory is removed on the way out")
        }
    }

    @Test("--parallel beyond the open-file limit is a usage error that says what to do, before any ssh")
    func fileLimit() async throws {
        let devices = (0..<10).map { (name: "h\($0)", role: $0 == 0 ? Role.hub : .host, port: 40000 + $0) }
        let path = folder.url.appendingPathComponent("ten.json").path
        try CLIInventory.text(devices: devices, extraSteps: [#"{"id": "noop", "command": {"check": "true", "apply": "true"}}"#])
            .write(toFile: path, atomically: true, encoding: .utf8)
        let script = #"ulimit -Sn 100 && ulimit -Hn 100 && exec "$0" check "$1" --parallel 10 --state-dir "$2""#
        let output = try await LocalProcess.run("/bin/bash", ["-c", script, try FleetBinary.path(), path, stateDirectory],
                                                environment: FleetBinary.environment(stateDirectory: stateDirectory),
                                                timeout: .seconds(60))
        let stderr = String(decoding: output.stderr, as: UTF8.self)
        #expect(output.status == ExitCode.usage, "\(stderr)")
        #expect(stderr.contains("--parallel 10 needs about 184 open files, but the limit is 100 (ulimit -Hn); use --parallel 3"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: stateDirectory + "/runs"), "nothing ran")
    }

    @Test("a run that ends normally leaves no control directory; stale ones of dead runs are swept")
    func controlDirectories() async throws {
        // A directory left by a fleet that was killed outright: its owner PID is gone.
        var template = Array("/tmp/fleet-ssh-XXXXXX".utf8CString)
        let stale = String(cString: try #require(mkdtemp(&template)))
        try "999999999 1\n".write(toFile: stale + "/owner", atomically: true, encoding: .utf8)
        // One of a fleet that is alive (this test process) stays.
        var liveTemplate = Array("/tmp/fleet-ssh-XXXXXX".utf8CString)
        let live = String(cString: try #require(mkdtemp(&liveTemplate)))
        try "\(getpid()) -\n".write(toFile: live + "/owner", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: live) }
        try await SSHDFixture.with(count: 1) { fixture in
            let inventory = try inventory(fixture, steps: [#"{"id": "noop", "command": {"check": "true", "apply": "true"}}"#])
            let child = ChildProcess(try FleetBinary.path(),
                                     ["check", inventory, "--ssh-config", fixture.sshConfig, "--state-dir", stateDirectory],
                                     environment: FleetBinary.environment(stateDirectory: stateDirectory))
            try await child.start()
            let output = await child.wait()
            #expect(output.status == 0, "\(String(decoding: output.stderr, as: UTF8.self))")
            #expect(Self.controlDirectories(of: child.pid).isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: stale), "swept: its owner is gone")
        #expect(FileManager.default.fileExists(atPath: live), "kept: its owner is alive")
    }
}
