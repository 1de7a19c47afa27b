import Foundation
import Testing
import FleetTestSupport
@testable import Fleet

/// Primitives run for real by the executor over ``LocalTransport`` (the same remote program ssh
/// uses, with /bin/sh on this machine) against a temporary directory: up, up again, check,
/// drift, teardown.
@Suite("primitives through the executor, executed locally", .serialized, .timeLimit(.minutes(1)))
struct PrimitivesThroughEngineTests {
    let dir: URL
    init() throws { dir = try LocalShell.hostileTemporaryDirectory() }

    private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    private var steps: [Step] {
        [
            .directory(id: "conf-dir", path: path("etc/app.d"), mode: "0750",
                       managedEntries: ["app 'main'.conf", "token"]),
            .file(id: "conf", path: path("etc/app.d/app 'main'.conf"), content: "port = 9090\nname = \"$(x)\"\n",
                  mode: "0640"),
            .line(id: "modules", path: path("etc/modules"), line: "8021q"),
            .configFile(id: "token", path: path("etc/app.d/token"), content: .literal("s3cret-token-value\n"),
                        mode: "0600", sensitive: true),
            .command(id: "marker", check: "test -e \(ShellQuote.quote(path("marker")))",
                     apply: "touch \(ShellQuote.quote(path("marker")))",
                     undo: "rm -f \(ShellQuote.quote(path("marker")))",
                     undoCheck: "! test -e \(ShellQuote.quote(path("marker")))"),
        ]
    }

    private func run(_ mode: RunMode) async -> Recap {
        let plan = Plan(hosts: [Plan.HostPlan(device: Device(name: "local", role: .host, address: "localhost"),
                                              steps: steps)])
        return await Executor(transport: LocalTransport(), options: RunOptions(mode: mode, stepTimeout: .seconds(30)),
                              reporter: InMemoryReporter()).run(plan)
    }

    @Test("up converges, a second up changes nothing, check sees drift, teardown removes everything")
    func lifecycle() async throws {
        let first = await run(.up)
        #expect(first.hosts[0].steps.map(\.status) == Array(repeating: .changed, count: 5),
                "\(first.hosts[0].steps.map(\.evidence))")
        let second = await run(.up)
        #expect(second.hosts[0].steps.map(\.status) == Array(repeating: .ok, count: 5))
        #expect(second.hosts[0].execs == 1)
        #expect((await run(.check)).exitCode == ExitCode.success)

        try "port = 1\n".write(toFile: path("etc/app.d/app 'main'.conf"), atomically: true, encoding: .utf8)
        try "other secret\n".write(toFile: path("etc/app.d/token"), atomically: true, encoding: .utf8)
        let drift = await run(.check)
        #expect(drift.exitCode == ExitCode.drift)
        let evidence = drift.hosts[0].steps.map(\.evidence).joined(separator: "\n")
        #expect(evidence.contains("-port = 1\n+port = 9090"))
        #expect(evidence.contains("content differs (sensitive, not shown)"))
        #expect(!evidence.contains("s3cret-token-value") && !evidence.contains("other secret"))
        #expect((await run(.up)).hosts[0].count(.changed) == 2)

        let teardown = await run(.teardown)
        #expect(teardown.exitCode == ExitCode.success, "\(teardown.hosts[0].steps.map(\.evidence))")
        for name in ["etc/app.d", "marker"] {
            #expect(!FileManager.default.fileExists(atPath: path(name)), "\(name)")
        }
        #expect(try String(contentsOfFile: path("etc/modules"), encoding: .utf8) == "")
        #expect((await run(.teardown)).totalChanged == 0)
    }

    @Test("inventory extra steps: one teardown removes a directory together with the files fleet put in it")
    func extraStepDirectoryTeardown() async throws {
        // An inventory path can hold no quote or space (AbsolutePathRule), so this test's
        // directory is a tame one, not the suite's hostile one.
        let tame = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-extra-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tame) }
        func path(_ name: String) -> String { tame.appendingPathComponent(name).path }
        let specs = [
            ExtraStepSpec(id: "app-dir", title: "app dir", role: nil,
                          kind: .directory(path: try #require(AbsolutePath(path("app"))), mode: "0755", owner: "root:root")),
            ExtraStepSpec(id: "app-conf", title: "app conf", role: nil,
                          kind: .file(path: try #require(AbsolutePath(path("app/app.conf"))), content: "a = 1\n",
                                      mode: "0644", owner: "root:root")),
        ]
        let device = Device(name: "local", role: .host, address: "localhost")
        let inventory = Inventory(source: "test.json", playbook: .none, devices: [device], network: nil, extraSteps: specs)
        func run(_ mode: RunMode, skip: Set<String> = []) async throws -> Recap {
            let plan = try Plan.make(inventory: inventory, playbook: { _ in [] }, skip: skip)
            return await Executor(transport: LocalTransport(), options: RunOptions(mode: mode, stepTimeout: .seconds(30)),
                                  reporter: InMemoryReporter()).run(plan)
        }
        #expect(try await run(.up).hosts[0].count(.changed) == 2)
        let kept = try await run(.teardown, skip: ["app-conf"])
        #expect(kept.exitCode == ExitCode.success, "a directory whose file stays is kept, not failed: \(kept.hosts[0].steps)")
        #expect(FileManager.default.fileExists(atPath: path("app/app.conf")))
        let teardown = try await run(.teardown)
        #expect(teardown.exitCode == ExitCode.success, "\(teardown.hosts[0].steps)")
        #expect(teardown.hosts[0].steps.map(\.status) == [.changed, .changed])
        #expect(!FileManager.default.fileExists(atPath: path("app")), "the directory must go in the same teardown")
        #expect(try await run(.teardown).totalChanged == 0)
    }
}
