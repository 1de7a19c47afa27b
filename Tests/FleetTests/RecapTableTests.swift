import Fleet
import Testing

/// The end-of-run table, its verdict line, and which exit code a recap deserves.
@Suite("RecapTable")
struct RecapTableTests {
    static let plain = Style(color: false)

    /// A host report whose steps have these statuses (ids `s0`, `s1`, …).
    static func host(_ name: String, _ statuses: [StepStatus], unreachable: String? = nil,
                     error: String? = nil) -> HostReport {
        let steps = statuses.enumerated().map { StepResult(stepId: "s\($0.offset)", title: "step \($0.offset)", status: $0.element) }
        let failure = unreachable.map { FleetError(.unreachable, $0) } ?? error.map { FleetError(.privilege, $0) }
        return HostReport(host: name, steps: steps, failure: failure)
    }

    @Test("up: changed column; unreachable and error hosts count in their columns; exit 2 wins")
    func upTable() {
        let recap = Recap(mode: .up, hosts: [
            Self.host("hub", [.ok, .changed, .changed]),
            Self.host("host-0", [.skipped, .skipped, .skipped], unreachable: "ssh: connect to host 203.0.113.11 port 22: Connection refused"),
            Self.host("host-1", [.changed, .failed, .skipped]),
            Self.host("host-2", [.skipped, .skipped, .skipped], error: "sudo: a password is required"),
        ], milliseconds: 12_345)
        #expect(RecapTable.render(recap, style: Self.plain) == """
            RECAP up in 12.3s
            host    ok  changed  failed  skipped  unreachable
            hub      1        2       0        0            0
            host-0   0        0       0        3            1
            host-1   0        1       1        1            0
            host-2   0        0       1        3            0
            a step failed (exit 2); details above and in the run log
            """)
    }

    @Test("dry run: a would-change column instead of changed")
    func dryRunTable() {
        let recap = Recap(mode: .dryRun, hosts: [Self.host("hub", [.ok, .wouldChange, .wouldChange])], milliseconds: 800)
        #expect(RecapTable.render(recap, style: Self.plain) == """
            RECAP dry-run in 800ms
            host  ok  would-change  failed  skipped  unreachable
            hub    1             2       0        0            0
            dry run: 2 step(s) would change (exit 0)
            """)
    }

    @Test("check: a drift column, and the verdict counts hosts with drift")
    func checkTable() {
        let recap = Recap(mode: .check, hosts: [
            Self.host("hub", [.ok, .ok]),
            Self.host("host-0", [.ok, .drift]),
            Self.host("host-1", [.drift, .drift]),
        ], milliseconds: 1000)
        #expect(RecapTable.render(recap, style: Self.plain) == """
            RECAP check in 1.0s
            host    ok  drift  failed  skipped  unreachable
            hub      2      0       0        0            0
            host-0   1      1       0        0            0
            host-1   0      2       0        0            0
            drift found on 2 host(s) (exit 4); `fleet up` repairs it
            """)
    }

    @Test("teardown: undone steps count as changed; an unreachable host makes it exit 3")
    func teardownTable() {
        let clean = Recap(mode: .teardown, hosts: [Self.host("hub", [.changed, .changed, .ok])])
        #expect(RecapTable.render(clean, style: Self.plain) == """
            RECAP teardown in 0ms
            host  ok  changed  failed  skipped  unreachable
            hub    1        2       0        0            0
            torn down: 2 step(s) undone (exit 0)
            """)
        let partly = Recap(mode: .teardown, hosts: [
            Self.host("hub", [.changed]),
            Self.host("a-very-long-host-name", [], unreachable: "Connection timed out"),
        ], milliseconds: 61_000)
        #expect(RecapTable.render(partly, style: Self.plain) == """
            RECAP teardown in 61.0s
            host                   ok  changed  failed  skipped  unreachable
            hub                     0        1       0        0            0
            a-very-long-host-name   0        0       0        0            1
            a host was unreachable (exit 3)
            """)
    }

    @Test("with colour: a bold title, dim zeros, coloured counts")
    func colour() {
        let recap = Recap(mode: .up, hosts: [Self.host("hub", [.ok, .failed])])
        let lines = RecapTable.render(recap, style: Style(color: true)).split(separator: "\n").map(String.init)
        #expect(lines[0] == "\u{1B}[1mRECAP\u{1B}[0m up in 0ms")
        #expect(lines[1] == "host  ok  changed  failed  skipped  unreachable")
        #expect(lines[2] == "hub "
                + "  \u{1B}[32m 1\u{1B}[0m"
                + "  \u{1B}[2m      0\u{1B}[0m"
                + "  \u{1B}[1;31m     1\u{1B}[0m"
                + "  \u{1B}[2m      0\u{1B}[0m"
                + "  \u{1B}[2m          0\u{1B}[0m")
        #expect(lines[3] == "a step failed (exit 2); details above and in the run log", "the verdict is never coloured")
    }

    // MARK: - Exit codes and verdicts

    /// A recap, the exit code it deserves and its verdict line.
    struct Outcome: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var recap: Recap
        var exitCode: Int32
        var verdict: String
    }

    static let failed = host("f", [.changed, .failed])
    static let errored = host("e", [], error: "sudo: a password is required")
    static let down = host("u", [], unreachable: "Connection refused")
    static let drifted = host("d", [.drift])
    static let fine = host("ok", [.ok, .ok])

    static let outcomes: [Outcome] = [
        Outcome(testDescription: "interrupted beats everything", recap: Recap(mode: .check, hosts: [failed, down, drifted],
                interrupted: true), exitCode: 130, verdict: "interrupted (exit 130); run again to finish: steps are idempotent"),
        Outcome(testDescription: "interrupted with nothing else wrong", recap: Recap(mode: .up, hosts: [fine], interrupted: true),
                exitCode: 130, verdict: "interrupted (exit 130); run again to finish: steps are idempotent"),
        Outcome(testDescription: "a failed step beats unreachable and drift", recap: Recap(mode: .check, hosts: [drifted, down, failed]),
                exitCode: 2, verdict: "a step failed (exit 2); details above and in the run log"),
        Outcome(testDescription: "a host error counts as failed", recap: Recap(mode: .up, hosts: [fine, errored, down]),
                exitCode: 2, verdict: "a step failed (exit 2); details above and in the run log"),
        Outcome(testDescription: "unreachable beats drift", recap: Recap(mode: .check, hosts: [drifted, down]),
                exitCode: 3, verdict: "a host was unreachable (exit 3)"),
        Outcome(testDescription: "drift found by check", recap: Recap(mode: .check, hosts: [fine, drifted]),
                exitCode: 4, verdict: "drift found on 1 host(s) (exit 4); `fleet up` repairs it"),
        Outcome(testDescription: "check: clean", recap: Recap(mode: .check, hosts: [fine]),
                exitCode: 0, verdict: "clean: no drift (exit 0)"),
        Outcome(testDescription: "up: nothing to change", recap: Recap(mode: .up, hosts: [fine, fine]),
                exitCode: 0, verdict: "converged: nothing to change (exit 0)"),
        Outcome(testDescription: "up: changes", recap: Recap(mode: .up, hosts: [host("a", [.changed, .ok]), host("b", [.changed, .changed])]),
                exitCode: 0, verdict: "converged: 3 change(s) (exit 0)"),
        Outcome(testDescription: "dry run", recap: Recap(mode: .dryRun, hosts: [host("a", [.wouldChange, .ok])]),
                exitCode: 0, verdict: "dry run: 1 step(s) would change (exit 0)"),
        Outcome(testDescription: "teardown", recap: Recap(mode: .teardown, hosts: [host("a", [.changed, .ok, .changed])]),
                exitCode: 0, verdict: "torn down: 2 step(s) undone (exit 0)"),
        Outcome(testDescription: "no hosts at all", recap: Recap(mode: .up, hosts: []),
                exitCode: 0, verdict: "converged: nothing to change (exit 0)"),
    ]

    @Test("exit code precedence: interrupted > failed > unreachable > drift > 0, and the verdict that says so",
          arguments: outcomes)
    func exitCodeAndVerdict(_ outcome: Outcome) {
        #expect(outcome.recap.exitCode == outcome.exitCode)
        #expect(RecapTable.verdict(outcome.recap) == outcome.verdict)
        #expect(RecapTable.render(outcome.recap, style: Self.plain).hasSuffix("\n" + outcome.verdict))
    }

    @Test("the exit codes are the documented numbers")
    func exitCodeValues() {
        #expect([ExitCode.success, ExitCode.stepFailed, ExitCode.unreachable, ExitCode.drift, ExitCode.usage,
                 ExitCode.badInventory, ExitCode.interrupted] == [0, 2, 3, 4, 64, 65, 130])
    }
}
