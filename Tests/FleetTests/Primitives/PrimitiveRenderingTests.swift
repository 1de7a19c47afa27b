import Foundation
import Testing
import FleetTestSupport
@testable import Fleet

@Suite("primitive snippets as rendered", .timeLimit(.minutes(1)))
struct PrimitiveRenderingTests {
    static let hostile = #"x'y "z" $(touch PWNED) `id` ; rm -rf / #"#

    static let steps: [Step] = [
        .file(id: "file", path: "/etc/\(hostile)", content: hostile, mode: "0600", owner: "root:adm"),
        .configFile(id: "config", path: "/etc/\(hostile)", content: .generated("echo hi"),
                    validate: #"test -s "$candidate""#, keepOriginal: true),
        .line(id: "line", path: "/etc/\(hostile)", line: hostile),
        .directory(id: "dir", path: "/srv/\(hostile)"),
        .kernelModule("8021q"),
        .sysctl(id: "sysctl", file: "90-\(hostile).conf", settings: [("net.ipv4.ip_forward", "1")]),
        .aptPackages(id: "apt", packages: ["isc-dhcp-server", "firewalld"]),
        .systemdUnit("fleet-\(hostile).service", notifiedBy: ["x"]),
    ]

    static func snippets(of step: Step) -> [(String, String)] {
        [("check", step.check), ("apply", step.apply), ("verify", step.verifyScript), ("undo", step.undo ?? ""),
         ("undoCheck", step.undoCheck ?? "")]
    }

    @Test("every snippet of every primitive parses with sh -n", arguments: steps)
    func syntax(step: Step) throws {
        for (phase, script) in Self.snippets(of: step) {
            let result = try LocalShell.run(script, syntaxOnly: true)
            #expect(result.succeeded, "\(step.id) \(phase): \(result)")
        }
    }

    @Test("inventory values appear only as ShellQuote output", arguments: steps)
    func quoting(step: Step) {
        // The hostile text's own single quote shows up escaped ('\'') wherever the text does:
        // proof that it went through ShellQuote.quote rather than being spliced in.
        let escaped = #"x'\''y "z" $(touch PWNED)"#
        for (phase, script) in Self.snippets(of: step) {
            for line in script.split(separator: "\n") where line.contains("PWNED") {
                #expect(line.contains(escaped), "\(step.id) \(phase): \(line)")
            }
        }
    }

    @Test("file content travels base64-encoded, so the snippet never contains it raw")
    func base64() {
        let step = Step.file(id: "f", path: "/etc/x", content: "secret $(reboot)\n")
        #expect(!step.apply.contains("$(reboot)"))
        #expect(step.apply.contains("base64 -d <<'FLEET_B64'"))
    }

    @Test("systemd and apt steps carry generous time limits; sysctl and file steps the default")
    func timeouts() {
        #expect(Step.aptPackages(id: "a", packages: ["x"]).timeout == .seconds(900))
        #expect(Step.systemdUnit("x").timeout == .seconds(180))
        #expect(Step.file(id: "f", path: "/x", content: "").timeout == nil)
    }

    @Test("an extra step from the inventory becomes the matching primitive")
    func extraSteps() {
        let spec = ExtraStepSpec(id: "motd", title: "message of the day", role: nil,
                                 kind: .line(path: "/etc/motd", line: "managed by fleet"))
        #expect(spec.step == Step.line(id: "motd", path: "/etc/motd", line: "managed by fleet",
                                       title: "message of the day"))
        let command = ExtraStepSpec(id: "c", title: "c", role: .host, kind: .command(check: "true", apply: "true", undo: nil))
        #expect(command.step.check == "true")
    }
}

extension Step: CustomTestStringConvertible {
    public var testDescription: String { id }
}
