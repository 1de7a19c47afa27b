import Foundation
import Testing
@testable import Fleet

/// The remote program run for real by /bin/sh on this machine (the same text ssh would carry).
@Suite("RemoteProgram", .serialized)
struct RemoteProgramTests {
    let device = Device(name: "local", role: .host, address: "127.0.0.1")

    func task(_ id: String, _ script: String, _ phase: Phase = .check, timeout: Duration = .seconds(30)) -> RemoteTask {
        RemoteTask(stepId: id, phase: phase, script: script, timeout: timeout)
    }

    @Test("runs every check, reports status and output of each, in order")
    func checksRunAll() async throws {
        let batch = Batch(tasks: [
            task("a", "echo present; exit 0"),
            task("b", "echo missing >&2; exit 3"),
            task("c", "printf 'x y\\n'"),
        ], stopOnFailure: false)
        let session = try await LocalTransport().connect(to: device)
        let results = try await session.run(batch) { _ in }
        #expect(results.map(\.index) == [0, 1, 2])
        #expect(results.map(\.status) == [0, 3, 0])
        #expect(results[0].stdout == "present\n")
        #expect(results[1].stderr == "missing\n")
        #expect(results[2].stdout == "x y\n")
    }

    @Test("snippets run with umask 022, so the files and directories they make are readable (0644/0755)")
    func umask() async throws {
        let batch = Batch(tasks: [task("a", "umask")], stopOnFailure: false)
        let results = try await LocalTransport().connect(to: device).run(batch) { _ in }
        #expect(results.first?.stdout == "0022\n")
    }

    @Test("a snippet that did not land whole is never run: the program stops with a fatal event",
          .timeLimit(.minutes(1)))
    func truncatedSnippet() async throws {
        let batch = Batch(tasks: [task("a", "echo first"), task("b", "exit 0")], stopOnFailure: false)
        let nonce = RemoteProgram.nonce(avoiding: batch)
        let program = RemoteProgram.render(batch, nonce: nonce)
        // As if the disk filled up while the snippets were written: the first one is cut short.
        let cut = try #require(program.range(of: "\n[ -e \"$D/1.sh\" ]"))
        let broken = program.replacingCharacters(in: cut.lowerBound..<cut.lowerBound, with: "\nprintf 'ec' >\"$D/0.sh\"")
        // Run as ssh would: the program on sh's command line here, stdin held open for the watchdog.
        func run(_ text: String) async throws -> (status: Int32, stdout: String) {
            let output = try await LocalProcess.run("/bin/sh", ["-c", text], input: Data(), keepStdinOpen: true,
                                                    timeout: .seconds(30))
            return (output.status, String(decoding: output.stdout, as: UTF8.self))
        }
        let result = try await run(broken)
        #expect(result.status == 70, "\(result)")
        #expect(result.stdout.contains("\(nonce) fatal the snippets were not written whole"))
        #expect(!result.stdout.contains("\(nonce) start"))
        #expect(try await run(program).stdout.contains("\(nonce) done"))
    }

    @Test("a batch that changes nothing shares FLEET_READS between its tasks; a batch that applies has none, and it goes with the program")
    func sharedReadings() async throws {
        let session = try await LocalTransport().connect(to: device)
        let reads = Batch(tasks: [
            task("a", #"echo "$FLEET_READS"; printf 'zones' >"$FLEET_READS/firewalld""#),
            task("b", #"cat "$FLEET_READS/firewalld"; stat -c %a "$(dirname "$FLEET_READS")""#, .verify),
        ], stopOnFailure: false)
        #expect(reads.changesNothing)
        let results = try await session.run(reads) { _ in }
        #expect(results.map(\.status) == [0, 0], "\(results)")
        #expect(results.last?.stdout == "zones700\n")
        let dir = results[0].stdout.trimmingCharacters(in: .newlines)
        #expect(dir.hasSuffix("/reads"))
        #expect(!FileManager.default.fileExists(atPath: dir), "gone with the program's directory")

        let applies = Batch(tasks: [task("a", #"[ -z "${FLEET_READS:-}" ]"#, .apply),
                                    task("a", #"[ -z "${FLEET_READS:-}" ]"#, .verify)], stopOnFailure: true)
        #expect(!applies.changesNothing)
        #expect(try await session.run(applies) { _ in }.map(\.status) == [0, 0])
    }

    @Test("stops at the first failure when asked")
    func stopsOnFailure() async throws {
        let batch = Batch(tasks: [task("a", "true", .apply), task("b", "exit 1", .apply), task("c", "touch /nonexistent-should-not-run", .apply)],
                          stopOnFailure: true)
        let results = try await LocalTransport().connect(to: device).run(batch) { _ in }
        #expect(results.map(\.status) == [0, 1])
    }

    @Test("streams start and finish events as tasks run")
    func streamsEvents() async throws {
        let seen = Locked<[BatchEvent]>([])
        let batch = Batch(tasks: [task("a", "true"), task("b", "false")], stopOnFailure: false)
        _ = try await LocalTransport().connect(to: device).run(batch) { event in seen.mutate { $0.append(event) } }
        let events = seen.value
        #expect(events.count == 4)
        #expect(events.first == .started(0))
        if case .finished(let last) = events.last { #expect(last.index == 1 && last.status == 1) } else { Issue.record("no finish") }
    }

    @Test("a hanging snippet is killed at its time-out with its whole process group")
    func timeoutKillsGroup() async throws {
        let marker = "/tmp/fleet-test-\(UUID().uuidString)"
        let script = "sleep 300 & echo $! > \(marker); wait"
        let start = ContinuousClock.now
        let results = try await LocalTransport().connect(to: device)
            .run(Batch(tasks: [task("hang", script, timeout: .seconds(1))], stopOnFailure: false)) { _ in }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(results.first?.timedOut == true)
        let pid = try #require(Int32(String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try? FileManager.default.removeItem(atPath: marker)
        #expect(await processGone(pid), "the grandchild sleep must be gone")
    }

    @Test("durations are measured; exiting 124 by itself is not a time-out; empty snippets run")
    func durationsAndExitCodes() async throws {
        let batch = Batch(tasks: [task("quick124", "exit 124", timeout: .seconds(30)), task("nap", "sleep 0.3"),
                                  task("empty", "")], stopOnFailure: false)
        let results = try await LocalTransport().connect(to: device).run(batch) { _ in }
        #expect(results.map(\.status) == [124, 0, 0])
        #expect(results[0].timedOut == false)
        #expect(results[1].milliseconds >= 300 && results[1].milliseconds < 5000, "\(results[1].milliseconds)")
        #expect(results.allSatisfy { $0.milliseconds >= 1 }, "a measured step took at least 1 ms")
    }

    @Test("binary-ish and large output survives the trip")
    func largeOutput() async throws {
        let script = "head -c 1500000 /dev/zero | tr '\\0' 'a'; head -c 1200000 /dev/zero | tr '\\0' 'b' >&2"
        let results = try await LocalTransport().connect(to: device)
            .run(Batch(tasks: [task("big", script)], stopOnFailure: false)) { _ in }
        #expect(results.first?.stdout.count == 1_500_000)
        #expect(results.first?.stderr.count == 1_200_000)
    }

    @Test("a program far larger than the shell's read buffer runs whole (the watchdog must not eat it)")
    func largeProgram() async throws {
        let padding = String(repeating: "# padding line to make the program large\n", count: 1500)
        let batch = Batch(tasks: (0..<3).map { task("t\($0)", padding + "echo \($0)") }, stopOnFailure: false)
        let results = try await LocalTransport().connect(to: device).run(batch) { _ in }
        #expect(results.map(\.stdout) == ["0\n", "1\n", "2\n"])
    }

    @Test("snippets that print fake event lines cannot forge results")
    func cannotForge() async throws {
        let results = try await LocalTransport().connect(to: device)
            .run(Batch(tasks: [task("liar", "echo \"$N end 0 0 - -\"; echo done; exit 5")], stopOnFailure: false)) { _ in }
        #expect(results.count == 1)
        #expect(results[0].status == 5)
    }

    @Test("nothing of the program is left in the temp dirs afterwards")
    func cleansUp() async throws {
        // Other suites run programs in parallel, so look for this run's own directory only:
        // each snippet runs as a file inside it.
        let results = try await LocalTransport().connect(to: device)
            .run(Batch(tasks: [task("where", "dirname \"$0\"")], stopOnFailure: false)) { _ in }
        let directory = try #require(results.first?.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(directory.hasPrefix("/run/fleet.") || directory.hasPrefix("/tmp/fleet."), "\(directory)")
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    /// True once `pid` no longer runs (gone, or a zombie waiting for init to reap it).
    func processGone(_ pid: Int32) async -> Bool {
        for _ in 0..<50 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
