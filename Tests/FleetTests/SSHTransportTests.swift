@testable import Fleet
import FleetTestSupport
import Foundation
import Testing

/// The system ssh against real sshd servers on 127.0.0.1, started by the tests.
@Suite("SSH transport against real sshd", .serialized, .timeLimit(.minutes(3)))
struct SSHTransportTests {
    func executor(_ fixture: SSHDFixture, mode: RunMode = .up, timeout: Duration = .seconds(60),
                  hostKeys: SSHOptions.HostKeyPolicy = .acceptNew, config: String? = nil) throws -> Executor {
        let transport = try SSHTransport(options: SSHOptions(configFile: config ?? fixture.sshConfig, hostKeys: hostKeys,
                                                             connectTimeout: 5))
        return Executor(transport: transport, options: RunOptions(mode: mode, parallel: 64, stepTimeout: timeout),
                        reporter: InMemoryReporter())
    }

    func plan(_ devices: [Device], _ steps: [Step]) -> Plan {
        Plan(hosts: devices.map { Plan.HostPlan(device: $0, steps: steps) })
    }

    @Test("the host-key fix-it names known_hosts' [address]:port form for a port other than 22")
    func hostKeyHintPort() {
        let changed = "@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
        let onPort = Device(name: "h", role: .host, address: "203.0.113.5", ssh: SSHSettings(port: 2222))
        #expect(SSHTransport.explain(changed, device: onPort, timedOut: false).contains("`ssh-keygen -R '[203.0.113.5]:2222'`"))
        let plain = Device(name: "h", role: .host, address: "203.0.113.5", ssh: SSHSettings(port: 22))
        #expect(SSHTransport.explain(changed, device: plain, timedOut: false).contains("`ssh-keygen -R 203.0.113.5`"))
        let unknown = SSHTransport.explain("Host key verification failed.\n", device: onPort, timedOut: false)
        #expect(unknown.contains("`ssh-keyscan -p 2222 203.0.113.5 >> ~/.ssh/known_hosts`"))
    }

    @Test("50 hosts at once, each converged over its own ControlMaster in two batches")
    func fiftyHosts() async throws {
        let fixture = try await SSHDFixture.start(count: 50)
        let marker = "/tmp/fleet-ssh-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let step = Step(id: "marker", title: "marker dir", check: "test -d \(marker)", apply: "mkdir -p \(marker)")
        let first = try await executor(fixture).run(plan(fixture.devices, [step]))
        await fixture.stop()
        #expect(first.hosts.count == 50)
        #expect(first.hosts.allSatisfy { $0.unreachable == nil && $0.error == nil })
        #expect(first.hosts.allSatisfy { $0.count(.ok) + $0.count(.changed) == 1 })
        #expect(first.hosts.map(\.execs).max()! <= 2)
        #expect(first.exitCode == 0)
    }

    @Test("a check, a cold up and a warm up each cost a host one ssh session: the master's own runs every batch")
    func sessionsPerRun() async throws {
        let fixture = try await SSHDFixture.start(count: 1, logSessions: true)
        let marker = "/tmp/fleet-sessions-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let steps = (1...3).map { Step(id: "s\($0)", title: "s\($0)", check: "test -e \(marker)-\($0)", apply: "touch \(marker)-\($0)") }
        defer { (1...3).forEach { try? FileManager.default.removeItem(atPath: "\(marker)-\($0)") } }
        let check = try await executor(fixture, mode: .check).run(plan(fixture.devices, steps))
        let afterCheck = fixture.sessionsStarted(on: 0)
        let cold = try await executor(fixture).run(plan(fixture.devices, steps))
        let afterCold = fixture.sessionsStarted(on: 0)
        let warm = try await executor(fixture).run(plan(fixture.devices, steps))
        let afterWarm = fixture.sessionsStarted(on: 0)
        await fixture.stop()
        #expect(check.hosts[0].count(.drift) == 3)
        #expect(cold.hosts[0].count(.changed) == 3 && warm.hosts[0].count(.ok) == 3)
        let sessions: [Int] = [afterCheck, afterCold - afterCheck, afterWarm - afterCold]
        #expect(sessions == [1, 1, 1], "sessions for check, cold up, warm up")
    }

    @Test("the master's session takes one program after another in the same shell, keeping nothing between them")
    func programsInOneSession() async throws {
        let fixture = try await SSHDFixture.start(count: 1, logSessions: true)
        let session = try await SSHTransport(options: SSHOptions(configFile: fixture.sshConfig)).connect(to: fixture.devices[0])
        // The snippet's path, and the pid of the shell that runs it (timeout's parent).
        let script = "echo \"$0\"; ps -o ppid= -p \"$PPID\" | tr -d ' '"
        let task = RemoteTask(stepId: "where", phase: .check, script: script, timeout: .seconds(30))
        var seen: [(directory: String, shell: String)] = []
        for _ in 1...3 {
            let results = try await session.run(Batch(tasks: [task], stopOnFailure: false)) { _ in }
            let lines = results[0].stdout.split(separator: "\n").map(String.init)
            try #require(results[0].status == 0 && lines.count == 2, "\(results)")
            let directory = (lines[0] as NSString).deletingLastPathComponent
            #expect(!FileManager.default.fileExists(atPath: directory), "a program removes its directory before done")
            seen.append((directory, lines[1]))
        }
        #expect(Set(seen.map(\.directory)).count == 3, "each program has its own directory")
        #expect(Set(seen.map(\.shell)).count == 1, "one shell ran them all")
        #expect(fixture.sessionsStarted(on: 0) == 1)
        let ssh = try #require(session as? SSHSession)
        #expect(!ssh.master.hasExited, "the session waits for the next program")
        await session.close()
        #expect(ssh.master.hasExited)
        await fixture.stop()
    }

    @Test("a last batch (a check's) ends the master's session at done: the master exits before fleet closes it, leaving nothing")
    func lastBatchEndsSession() async throws {
        let fixture = try await SSHDFixture.start(count: 1)
        let session = try await SSHTransport(options: SSHOptions(configFile: fixture.sshConfig)).connect(to: fixture.devices[0])
        let ssh = try #require(session as? SSHSession)
        let task = RemoteTask(stepId: "where", phase: .verify, script: "echo \"$0\"", timeout: .seconds(30))
        let results = try await session.run(Batch(tasks: [task], stopOnFailure: false, isLast: true)) { _ in }
        #expect(results.count == 1 && results[0].status == 0)
        let directory = (results[0].stdout.trimmingCharacters(in: .whitespacesAndNewlines) as NSString).deletingLastPathComponent
        let deadline = ContinuousClock.now + .seconds(10)
        while !ssh.master.hasExited && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(ssh.master.hasExited, "the session ended at done and the master with it, before close")
        #expect(!FileManager.default.fileExists(atPath: directory), "the program removed its directory")
        await session.close()
        await fixture.stop()
    }

    @Test("--persist: a later run reuses the kept master without logging in, disconnect ends it, idle ends it too")
    func keptConnections() async throws {
        let fixture = try await SSHDFixture.start(count: 1, logSessions: true)
        let device = fixture.devices[0]
        let kept = SSHOptions(configFile: fixture.sshConfig, connectTimeout: 5, persist: 30)
        let step = Step(id: "t", title: "t", check: "true", apply: "true")
        func check(_ options: SSHOptions) async throws -> Recap {
            try await Executor(transport: SSHTransport(options: options),
                               options: RunOptions(mode: .check, parallel: 4, stepTimeout: .seconds(30)),
                               reporter: InMemoryReporter()).run(plan([device], [step]))
        }
        #expect(try await check(kept).exitCode == 0)
        #expect(await KeptConnections.isAlive(device, options: kept), "the master stays after the run")
        #expect(try await check(kept).exitCode == 0)
        #expect(fixture.loginsAccepted(on: 0) == 1, "the second run logged in no more")
        #expect(fixture.sessionsStarted(on: 0) == 2)
        #expect(await KeptConnections.disconnect([device], options: kept) == [true])
        #expect(await !KeptConnections.isAlive(device, options: kept))
        #expect(await KeptConnections.disconnect([device], options: kept) == [false], "nothing left to close")

        var brief = kept
        brief.persist = 2
        #expect(try await check(brief).exitCode == 0)
        #expect(fixture.loginsAccepted(on: 0) == 2)
        #expect(await KeptConnections.isAlive(device, options: brief))
        try await Task.sleep(for: .seconds(4))
        #expect(await !KeptConnections.isAlive(device, options: brief), "an idle master ends itself")
        #expect(ProcessProbe.children(named: "ssh").isEmpty)
        await fixture.stop()
    }

    @Test("a host that is down is unreachable; the others converge; exit 3")
    func oneHostDown() async throws {
        let fixture = try await SSHDFixture.start(count: 3)
        var devices = fixture.devices
        devices[1].ssh.port = try SSHDFixture.freePort()
        let recap = try await executor(fixture).run(plan(devices, [Step(id: "t", title: "t", check: "true", apply: "true")]))
        await fixture.stop()
        #expect(recap.hosts[1].unreachable != nil)
        #expect(recap.hosts[0].count(.ok) == 1 && recap.hosts[2].count(.ok) == 1)
        #expect(recap.exitCode == ExitCode.unreachable)
    }

    @Test("a hanging step is killed at its time-out, with its remote process group")
    func hangingStep() async throws {
        let fixture = try await SSHDFixture.start(count: 1)
        let marker = "/tmp/fleet-hang-\(UUID().uuidString)"
        let step = Step(id: "hang", title: "hang", check: "sleep 600 & echo $! > \(marker); wait", apply: "true",
                        timeout: .seconds(2))
        let started = ContinuousClock.now
        let recap = try await executor(fixture).run(plan(fixture.devices, [step]))
        await fixture.stop()
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(recap.hosts[0].steps[0].status == .failed)
        #expect(recap.hosts[0].steps[0].timedOut)
        let pid = try #require(Int32(String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try? FileManager.default.removeItem(atPath: marker)
        #expect(await ProcessProbe.gone(pid))
    }

    @Test("more than 1 MiB on both streams of a step comes back whole")
    func largeOutput() async throws {
        let fixture = try await SSHDFixture.start(count: 1)
        let script = "head -c 1300000 /dev/zero | tr '\\0' o; head -c 1100000 /dev/zero | tr '\\0' e >&2; exit 1"
        let reporter = InMemoryReporter()
        let transport = try SSHTransport(options: SSHOptions(configFile: fixture.sshConfig))
        let session = try await transport.connect(to: fixture.devices[0])
        let results = try await session.run(Batch(tasks: [RemoteTask(stepId: "big", phase: .check, script: script, timeout: .seconds(60))],
                                                  stopOnFailure: false)) { _ in }
        await session.close()
        await fixture.stop()
        _ = reporter
        #expect(results[0].status == 1)
        #expect(results[0].stdout.count == 1_300_000)
        #expect(results[0].stderr.count == 1_100_000)
    }

    @Test("cancelling a run leaves no local ssh and no remote step process, in the first batch or a later one",
          arguments: [Phase.check, .apply])
    func cancellation(_ hangingIn: Phase) async throws {
        let fixture = try await SSHDFixture.start(count: 2)
        let marker = "/tmp/fleet-cancel-\(UUID().uuidString)"
        let hang = "sleep 300 & echo $! >> \(marker); wait"
        let step = hangingIn == .check ? Step(id: "slow", title: "slow", check: hang, apply: "true")
            : Step(id: "slow", title: "slow", check: "false", apply: hang)
        let executor = try executor(fixture)
        let plan = plan(fixture.devices, [step])
        let run = Task { await executor.run(plan) }
        for _ in 0..<200 where (try? String(contentsOfFile: marker, encoding: .utf8))?.split(separator: "\n").count != 2 {
            try await Task.sleep(for: .milliseconds(50))
        }
        run.cancel()
        let recap = await run.value
        #expect(recap.interrupted)
        #expect(recap.exitCode == ExitCode.interrupted)
        let pids = try String(contentsOfFile: marker, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        try? FileManager.default.removeItem(atPath: marker)
        #expect(pids.count == 2)
        for pid in pids { #expect(await ProcessProbe.gone(pid), "remote step \(pid) must be killed") }
        #expect(ProcessProbe.children(named: "ssh").isEmpty, "no ssh child of the test process may remain")
        await fixture.stop()
    }

    @Test("a non-root user whose sudo wants a password gets a clear privilege error")
    func sudoPassword() async throws {
        let user = "fleet-nosudo"
        if getpwnam(user) == nil {
            let made = try await LocalProcess.run("/usr/sbin/useradd", ["-m", "-s", "/bin/sh", user])
            try #require(made.status == 0, "useradd failed")
        }
        // `*` rather than useradd's locked `!`: sshd without PAM refuses locked accounts.
        let unlocked = try await LocalProcess.run("/usr/sbin/usermod", ["-p", "*", user])
        try #require(unlocked.status == 0, "usermod failed")
        let fixture = try await SSHDFixture.start(count: 1, user: user)
        let recap = try await executor(fixture).run(plan(fixture.devices, [Step(id: "t", title: "t", check: "true", apply: "true")]))
        await fixture.stop()
        let error = try #require(recap.hosts[0].error)
        #expect(error.contains("sudo"))
        #expect(error.contains("NOPASSWD") || error.contains("may not use sudo"))
        #expect(recap.exitCode == ExitCode.stepFailed)
    }

    @Test("a changed host key is refused with a fix-it message; strict mode refuses unknown keys")
    func hostKeys() async throws {
        let fixture = try await SSHDFixture.start(count: 1)
        let port = fixture.devices[0].ssh.port!
        let other = try await LocalProcess.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(fixture.directory)/other"])
        try #require(other.status == 0)
        let otherKey = try String(contentsOfFile: "\(fixture.directory)/other.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(port) \(otherKey)\n".write(toFile: "\(fixture.directory)/known_hosts", atomically: true, encoding: .utf8)
        let step = Step(id: "t", title: "t", check: "true", apply: "true")
        let changed = try await executor(fixture).run(plan(fixture.devices, [step]))
        #expect(changed.hosts[0].unreachable?.contains("CHANGED") == true)
        #expect(changed.hosts[0].unreachable?.contains("ssh-keygen -R") == true)
        try "".write(toFile: "\(fixture.directory)/known_hosts", atomically: true, encoding: .utf8)
        let strict = try await executor(fixture, hostKeys: .strict).run(plan(fixture.devices, [step]))
        #expect(strict.hosts[0].unreachable?.contains("not known") == true)
        let accepting = try await executor(fixture).run(plan(fixture.devices, [step]))
        #expect(accepting.hosts[0].unreachable == nil, "accept-new learns an unknown key")
        await fixture.stop()
    }
}
