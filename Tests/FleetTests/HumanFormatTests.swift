import Fleet
import Testing

/// The human lines of a run: which events print, and exactly what.
@Suite("HumanFormat")
struct HumanFormatTests {
    static let plain = Style(color: false)

    func line(_ event: RunEvent, verbose: Bool = false) -> String? {
        HumanFormat.lines(for: event, style: Self.plain, verbose: verbose)
    }

    func step(_ status: StepStatus, evidence: String = "", milliseconds: Int = 0, timedOut: Bool = false) -> RunEvent {
        .stepFinished(host: "host-0", result: StepResult(stepId: "motd", title: "file /etc/motd", status: status,
                                                         evidence: evidence, milliseconds: milliseconds, timedOut: timedOut))
    }

    /// A status and the line its step prints.
    struct StepLine: Sendable, CustomTestStringConvertible {
        var status: StepStatus
        var timedOut = false
        var expected: String
        var testDescription: String { status.rawValue + (timedOut ? " (timed out)" : "") }
    }

    static let stepLines: [StepLine] = [
        StepLine(status: .changed, expected: "host-0 | changed | motd — file /etc/motd (1.2s)\n    evidence"),
        StepLine(status: .wouldChange, expected: "host-0 | would change | motd — file /etc/motd (1.2s)\n    evidence"),
        StepLine(status: .drift, expected: "host-0 | DRIFT | motd — file /etc/motd (1.2s)\n    evidence"),
        StepLine(status: .failed, expected: "host-0 | FAILED | motd — file /etc/motd (1.2s)\n    evidence"),
        StepLine(status: .failed, timedOut: true, expected: "host-0 | TIMED OUT | motd — file /etc/motd (1.2s)\n    evidence"),
    ]

    @Test("a step line for each notable status, with its time and indented evidence", arguments: stepLines)
    func stepLine(_ expected: StepLine) {
        let event = step(expected.status, evidence: "evidence", milliseconds: 1234, timedOut: expected.timedOut)
        #expect(line(event) == expected.expected)
        #expect(line(event, verbose: true) == expected.expected)
    }

    @Test("ok is shown only when verbose, and then without its evidence; skipped is never shown")
    func hiddenSteps() {
        #expect(line(step(.ok, evidence: "runs again because `a` changes")) == nil)
        #expect(line(step(.ok, evidence: "runs again because `a` changes"), verbose: true) == "host-0 | ok | motd — file /etc/motd")
        #expect(line(step(.ok, milliseconds: 350), verbose: true) == "host-0 | ok | motd — file /etc/motd (350ms)")
        #expect(line(step(.skipped, evidence: "not run")) == nil)
        #expect(line(step(.skipped, evidence: "not run"), verbose: true) == nil)
    }

    @Test("an ok step with WARNING:/NOTE: lines prints them, and only them, even when not verbose")
    func warningsOfOkSteps() {
        let evidence = "listening on 192.168.10.3:9090\nWARNING: no TLS\nNOTE: route not approved"
        let expected = "host-0 | WARNING | motd — file /etc/motd\n    WARNING: no TLS\n    NOTE: route not approved"
        #expect(line(step(.ok, evidence: evidence)) == expected)
        #expect(line(step(.ok, evidence: evidence), verbose: true)
            == "host-0 | ok | motd — file /etc/motd\n    WARNING: no TLS\n    NOTE: route not approved")
        #expect(line(step(.ok, evidence: "  WARNING: indented is not a warning")) == nil)
    }

    @Test("the recap counts warnings and says they do not change the exit code")
    func recapWarnings() {
        let warned = StepResult(stepId: "a", title: "a", status: .ok, evidence: "WARNING: x\nWARNING: y")
        let recap = Recap(mode: .check, hosts: [HostReport(host: "hub", steps: [warned])], milliseconds: 10)
        let text = RecapTable.render(recap, style: Self.plain)
        #expect(text.contains("2 warnings (marked WARNING above; they do not change the exit code)"))
        #expect(text.hasSuffix("clean: no drift (exit 0)"))
        let quiet = Recap(mode: .check, hosts: [HostReport(host: "hub", steps: [StepResult(stepId: "a", title: "a", status: .ok)])],
                          milliseconds: 10)
        #expect(!RecapTable.render(quiet, style: Self.plain).contains("warning"))
    }

    @Test("no time shown for 0 ms, no evidence block for empty evidence")
    func bareLine() {
        #expect(line(step(.changed)) == "host-0 | changed | motd — file /etc/motd")
    }

    @Test("multi-line evidence is indented line by line, blank lines included")
    func evidenceIndentation() {
        let evidence = "--- /etc/motd\n+++ /etc/motd (desired)\n@@ -1 +1 @@\n-old\n\n+new"
        #expect(line(step(.drift, evidence: evidence)) == """
            host-0 | DRIFT | motd — file /etc/motd
                --- /etc/motd
                +++ /etc/motd (desired)
                @@ -1 +1 @@
                -old
            \("    ")
                +new
            """)
    }

    @Test("long evidence shows its first 10 and last 30 lines, with the count left out between")
    func evidenceCut() throws {
        let exactly40 = (1...40).map { "line \($0)" }.joined(separator: "\n")
        let shown40 = try #require(line(step(.failed, evidence: exactly40)))
        #expect(shown40.split(separator: "\n").count == 41)
        #expect(shown40.hasSuffix("\n    line 40"))

        let fortyFive = (1...45).map { "line \($0)" }.joined(separator: "\n")
        let shown = try #require(line(step(.failed, evidence: fortyFive)))
        let lines = shown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 1 + 40 + 1)
        #expect(lines[0] == "host-0 | FAILED | motd — file /etc/motd")
        #expect(lines[1] == "    line 1")
        #expect(lines[10] == "    line 10")
        #expect(lines[11] == "    … 5 more lines in the run log")
        #expect(lines[12] == "    line 16")
        #expect(lines[41] == "    line 45", "the end, where an error says why, is kept")
        #expect(HumanFormat.evidenceLines == 40)
    }

    @Test("host lines: done with counts in status order, no steps, unreachable, error")
    func hostLines() {
        let steps = [StepStatus.skipped, .changed, .ok, .failed, .changed].map {
            StepResult(stepId: "s", title: "s", status: $0)
        }
        #expect(line(.hostFinished(HostReport(host: "hub", steps: steps, milliseconds: 2500)))
                == "hub | done: 1 ok, 2 changed, 1 failed, 1 skipped in 2.5s")
        #expect(line(.hostFinished(HostReport(host: "hub", milliseconds: 40))) == "hub | done: no steps in 40ms")
        #expect(line(.hostFinished(HostReport(host: "host-1", steps: steps,
                                              failure: FleetError(.unreachable, "Connection refused"))))
                == "host-1 | UNREACHABLE | Connection refused")
        #expect(line(.hostFinished(HostReport(host: "host-2", failure: FleetError(.privilege, "sudo: a password is required"))))
                == "host-2 | ERROR | sudo: a password is required")
        #expect(line(.hostFinished(HostReport(host: "host-2", failure: FleetError(.protocolError, "no done line", step: "s"))))
                == "host-2 | ERROR | s: no done line", "the step the failure belongs to comes first")
    }

    @Test("the run's first line names the mode, the host count and whether anything will change")
    func runStarted() {
        #expect(line(.runStarted(mode: .up, hosts: ["a", "b", "c"])) == "fleet up: 3 hosts")
        #expect(line(.runStarted(mode: .up, hosts: ["a"])) == "fleet up: 1 host")
        #expect(line(.runStarted(mode: .dryRun, hosts: ["a"])) == "fleet dry-run: 1 host (dry run: nothing will be changed)")
        #expect(line(.runStarted(mode: .check, hosts: ["a", "b"])) == "fleet check: 2 hosts (verify only: nothing will be changed)")
        #expect(line(.runStarted(mode: .teardown, hosts: [])) == "fleet teardown: 0 hosts")
    }

    @Test("progress events and the recap print no line of their own")
    func silentEvents() {
        #expect(line(.connecting(host: "hub"), verbose: true) == nil)
        #expect(line(.phaseStarted(host: "hub", phase: .check, steps: 3), verbose: true) == nil)
        #expect(line(.stepStarted(host: "hub", stepId: "a", title: "A", phase: .apply), verbose: true) == nil)
        #expect(line(.runFinished(Recap(mode: .up, hosts: [])), verbose: true) == nil)
    }

    @Test("colour: labels and the time are painted, the rest is not")
    func colour() {
        let event = step(.failed, evidence: "boom", milliseconds: 1000)
        #expect(HumanFormat.lines(for: event, style: Style(color: true))
                == "host-0 | \u{1B}[1;31mFAILED\u{1B}[0m | motd — file /etc/motd\u{1B}[2m (1.0s)\u{1B}[0m\n    boom")
    }

    @Test("seconds(): milliseconds under a second, tenths (truncated) above", arguments: [
        (0, "0ms"), (1, "1ms"), (999, "999ms"), (1000, "1.0s"), (1099, "1.0s"), (1234, "1.2s"), (1999, "1.9s"),
        (59_950, "59.9s"), (61_000, "61.0s"), (3_600_000, "3600.0s"),
    ])
    func seconds(_ milliseconds: Int, _ expected: String) {
        #expect(HumanFormat.seconds(milliseconds) == expected)
    }
}
