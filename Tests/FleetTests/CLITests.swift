import Fleet
import FleetTestSupport
import Foundation
import Testing

/// The built `fleet` binary: exact stdout, stderr and exit code for usage, validation, plan and
/// refused inventories.
@Suite("fleet CLI", .serialized, .timeLimit(.minutes(3)))
struct CLITests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    /// The `--state-dir` of these runs; it must stay absent whenever fleet refuses to run.
    var stateDirectory: String { folder.url.appendingPathComponent("state").path }

    func write(_ text: String, to name: String) throws -> String {
        let path = folder.url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func fleet(_ arguments: [String]) async throws -> FleetBinary.Outcome {
        try await FleetBinary.run(arguments, stateDirectory: stateDirectory)
    }

    // MARK: - Usage

    @Test("--version, -V and version print the version and exit 0", arguments: [["--version"], ["-V"], ["version"]])
    func version(_ arguments: [String]) async throws {
        let outcome = try await fleet(arguments)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout == "fleet 0.1.0\n")
        #expect(outcome.stderr == "")
    }

    @Test("help, --help and -h print the usage on stdout and exit 0", arguments: [["help"], ["--help"], ["-h"], ["up", "-h"]])
    func help(_ arguments: [String]) async throws {
        let outcome = try await fleet(arguments)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout == Invocation.usage + "\n")
        #expect(outcome.stderr == "")
    }

    @Test("a usage error exits 64 with the message and the usage on stderr, before any file is read", arguments: [
        (["frob"], "unknown command `frob`; commands: up, check, teardown, validate, plan, output, disconnect, schema, help, version"),
        ([], "no command given"),
        (["up", "missing.json", "--parallel", "0"], "--parallel takes a whole number from 1 to 1024, not `0`"),
        (["check", "missing.json", "--dry-run"], "--dry-run goes with `up`"),
        (["up", "missing.json", "--yes"], "--yes goes with `teardown`"),
        (["up", "missing.json", "--colour"], "unknown option `--colour`"),
    ])
    func usageError(_ arguments: [String], _ message: String) async throws {
        let outcome = try await fleet(arguments)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stdout == "")
        #expect(outcome.stderr == "fleet: error: \(message)\n\n\(Invocation.usage)\n")
    }

    @Test("schema prints the inventory's JSON Schema, the repository's file byte for byte, and reads nothing")
    func schema() async throws {
        let outcome = try await fleet(["schema"])
        #expect(outcome.status == 0, "\(outcome)")
        let file = FleetBinary.repositoryRoot.appendingPathComponent("inventory/inventory.schema.json")
        #expect(outcome.stdout == (try String(contentsOf: file, encoding: .utf8)))
        #expect(outcome.stderr == "")
        #expect(!FileManager.default.fileExists(atPath: stateDirectory))
    }

    @Test("disconnect says, per device, that no connection was kept (no network needed); an unknown --limit is refused")
    func disconnectWithoutKept() async throws {
        let example = FleetBinary.repositoryRoot.appendingPathComponent("inventory/example.json").path
        let outcome = try await fleet(["disconnect", example])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout == "hub: no kept connection\nhost-0: no kept connection\nhost-1: no kept connection\n")
        let limited = try await fleet(["disconnect", example, "--limit", "host-0,nope"])
        #expect(limited.status == 64, "\(limited)")
        #expect(limited.stderr == "fleet: error: --limit names no device of the inventory: nope\n")
    }

    // MARK: - Inventories that are fine

    @Test("validate accepts the repository's example inventory")
    func validateExample() async throws {
        let example = FleetBinary.repositoryRoot.appendingPathComponent("inventory/example.json").path
        let outcome = try await fleet(["validate", example])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.hasPrefix("\(example): valid (3 devices, "), "\(outcome)")
        #expect(outcome.stdout.hasSuffix(" steps)\n"), "\(outcome)")
        #expect(outcome.stderr == "")
        #expect(!FileManager.default.fileExists(atPath: stateDirectory))
    }

    @Test("validate builds the plan: an extra step with a playbook step's id is invalid (exit 65), as for up")
    func validateBuildsThePlan() async throws {
        let example = FleetBinary.repositoryRoot.appendingPathComponent("inventory/example.json").path
        let text = try String(contentsOfFile: example, encoding: .utf8).replacingOccurrences(
            of: #""extraSteps": []"#,
            with: #""extraSteps": [{"id": "containerd", "role": "host", "command": {"check": "true", "apply": "true"}}]"#)
        let path = try write(text, to: "collides.json")
        for command in [["validate"], ["plan"], ["up"]] {
            let outcome = try await fleet(command + [path, "--state-dir", stateDirectory])
            #expect(outcome.status == 65, "fleet \(command[0]): \(outcome)")
            #expect(outcome.stderr == "fleet: error: \(path): extraSteps[0].id: `containerd` is already the id of a step of host-0's playbook; extra step ids must differ from the playbook's\n", "fleet \(command[0])")
        }
        #expect(!FileManager.default.fileExists(atPath: stateDirectory))
    }

    @Test("output before any up: exit 4, says what is missing, issues nothing (no CA made)")
    func outputBeforeUp() async throws {
        let example = FleetBinary.repositoryRoot.appendingPathComponent("inventory/example.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: example)) as? [String: Any])
        object["tailscale"] = nil
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let path = try write(text, to: "no-tailscale.json")
        let outcome = try await fleet(["output", path, "--state-dir", stateDirectory])
        #expect(outcome.status == 4, "\(outcome)")
        #expect(outcome.stdout.contains("  host-0  192.168.10.3:9090  mutual TLS, certificate until (not issued)\n"), "\(outcome)")
        #expect(outcome.stdout.contains("cluster API VIP (reserved): 192.168.10.25\n"))
        #expect(outcome.stdout.contains("route through the hub: no tailscale section"))
        #expect(outcome.stdout.contains("  - the client certificate capmvm-client is not issued or due (run fleet up)"))
        #expect(!FileManager.default.fileExists(atPath: stateDirectory))
        let json = try await fleet(["output", path, "--json", "--state-dir", stateDirectory])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((decoded["missing"] as? [String])?.count == 3, "\(json)")
    }

    @Test("plan lists each host's steps: role-scoped extra steps only where their role is")
    func plan() async throws {
        let path = try write(CLIInventory.text(
            devices: [("hub", .hub, 2201), ("host-0", .host, 2202), ("host-1", .host, 2203)],
            extraSteps: [
                #"{"id": "app-dir", "title": "application directory", "directory": {"path": "/srv/app"}}"#,
                #"{"id": "hub-conf", "role": "hub", "file": {"path": "/srv/app/hub.conf", "content": "hub\n"}}"#,
                #"{"id": "host-conf", "role": "host", "title": "host config", "file": {"path": "/srv/app/host.conf", "content": "host\n"}}"#,
            ]), to: "plan.json")
        let outcome = try await fleet(["plan", path, "--skip", "app-dir", "--limit", "hub,host-1"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr == "")
        #expect(outcome.stdout == """
            hub (hub, 127.0.0.1): 1 step
              1. hub-conf  hub-conf

            host-1 (host, 127.0.0.1): 1 step
              1. host-conf  host config

            """)
        let all = try await fleet(["plan", path])
        #expect(all.stdout == """
            hub (hub, 127.0.0.1): 2 steps
              1. app-dir   application directory
              2. hub-conf  hub-conf

            host-0 (host, 127.0.0.1): 2 steps
              1. app-dir    application directory
              2. host-conf  host config

            host-1 (host, 127.0.0.1): 2 steps
              1. app-dir    application directory
              2. host-conf  host config

            """)
        #expect(!FileManager.default.fileExists(atPath: stateDirectory))
    }

    @Test("plan refuses a --limit name that is no device (exit 64)")
    func planUnknownDevice() async throws {
        let path = try write(CLIInventory.text(devices: [("hub", .hub, 2201)], extraSteps: []), to: "one.json")
        let outcome = try await fleet(["plan", path, "--limit", "hbu"])
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stdout == "")
        #expect(outcome.stderr == "fleet: error: --limit names `hbu`, which is not a device of \(path) (devices: hub)\n")
    }

    @Test("teardown without --yes and without a terminal refuses (exit 64) and changes nothing")
    func teardownNeedsYes() async throws {
        let path = try write(CLIInventory.text(devices: [("hub", .hub, 2201)], extraSteps: [
            #"{"id": "d", "directory": {"path": "/srv/never"}}"#,
        ]), to: "teardown.json")
        let outcome = try await fleet(["teardown", path])
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stdout == "")
        #expect(outcome.stderr
                == "fleet: error: teardown changes hosts and asks for confirmation; pass --yes when not running interactively\n")
        #expect(!FileManager.default.fileExists(atPath: stateDirectory), "no run was started")
    }

    // MARK: - Inventories that are refused

    /// A broken inventory and the diagnostics fleet must print for it.
    struct Broken: Sendable, CustomTestStringConvertible {
        var testDescription: String
        /// Replacements applied to the valid inventory; each `old` must occur exactly once.
        var replacements: [(String, String)]
        /// The diagnostics after `fleet: error: FILE: `.
        var diagnostics: [String]
    }

    static let broken: [Broken] = [
        Broken(testDescription: "not JSON", replacements: [(#""playbook": "none","#, #""playbook": none,"#)],
               diagnostics: ["invalid JSON at line 2, column 15: expected a value, found `n`"]),
        Broken(testDescription: "unknown key", replacements: [(#""name": "hub","#, #""name": "hub", "colour": "red","#)],
               diagnostics: ["devices[0]: unknown key `colour`; expected one of `name`, `role`, `address`, `vlanAddress`, `parentInterface`, `ssh`"]),
        Broken(testDescription: "duplicate names", replacements: [(#""name": "host-0""#, #""name": "hub""#)],
               diagnostics: [#"devices[1].name: "hub" is already the name of devices[0]"#]),
        Broken(testDescription: "shell metacharacters in a device name",
               replacements: [(#""name": "host-0""#, #""name": "host-0;touch${IFS}/tmp/pwned""#)],
               diagnostics: [#"devices[1].name: "host-0;touch${IFS}/tmp/pwned" is not a valid device name; expected 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit"#]),
    ]

    /// Commands that would reach the hosts if the inventory were accepted.
    static let commands: [[String]] = [["validate"], ["plan"], ["up"], ["check"], ["teardown", "--yes"]]

    @Test("a broken inventory exits 65 with located diagnostics, and no command starts ssh", arguments: broken)
    func refusedInventory(_ broken: Broken) async throws {
        // Real servers stand behind the inventory, and its one step touches a marker in every
        // phase: had fleet run anything anywhere, the marker would exist.
        try await SSHDFixture.with(count: 2) { fixture in
            let marker = folder.url.appendingPathComponent("marker").path
            let valid = CLIInventory.text(
                devices: [("hub", .hub, fixture.devices[0].ssh.port ?? 22), ("host-0", .host, fixture.devices[1].ssh.port ?? 22)],
                extraSteps: [#"{"id": "marker", "command": {"check": "touch \#(marker); exit 1", "apply": "touch \#(marker)", "undo": "touch \#(marker)"}}"#])
            var text = valid
            for (old, new) in broken.replacements {
                try #require(text.components(separatedBy: old).count == 2, "\(old) must occur once")
                text = text.replacingOccurrences(of: old, with: new)
            }
            let path = try write(text, to: "broken.json")
            for command in Self.commands {
                let arguments = [command[0], path] + command.dropFirst()
                    + ["--ssh-config", fixture.sshConfig, "--state-dir", stateDirectory]
                let outcome = try await FleetBinary.run(arguments, watchingForSSH: true, stateDirectory: stateDirectory)
                let expected = broken.diagnostics.map { "fleet: error: \(path): \($0)\n" }.joined()
                    + "fleet: error: \(path): invalid inventory; nothing was run\n"
                #expect(outcome.status == 65, "fleet \(command[0]): \(outcome)")
                #expect(outcome.stdout == "", "fleet \(command[0])")
                #expect(outcome.stderr == expected, "fleet \(command[0])")
                #expect(outcome.sshChildren.isEmpty, "fleet \(command[0]) started ssh")
                #expect(!FileManager.default.fileExists(atPath: stateDirectory), "fleet \(command[0]) started a run")
                #expect(!FileManager.default.fileExists(atPath: marker), "fleet \(command[0]) ran a step")
            }
            // The control: the same inventory unbroken does reach the servers.
            _ = try write(valid, to: "broken.json")
            let control = try await FleetBinary.run(
                ["check", path, "--ssh-config", fixture.sshConfig, "--state-dir", stateDirectory],
                watchingForSSH: true, stateDirectory: stateDirectory)
            #expect(control.status == ExitCode.drift, "\(control)")
            #expect(FileManager.default.fileExists(atPath: marker), "the control run must reach the servers")
            #expect(!control.sshChildren.isEmpty, "the watch must see the control run's ssh children")
        }
    }

    @Test("a missing inventory file exits 65 and says so")
    func missingInventory() async throws {
        let path = folder.url.appendingPathComponent("nope.json").path
        let outcome = try await fleet(["up", path, "--state-dir", stateDirectory])
        #expect(outcome.status == 65, "\(outcome)")
        #expect(outcome.stdout == "")
        #expect(outcome.stderr == """
            fleet: error: \(path): cannot read the inventory: no such file
            fleet: error: \(path): invalid inventory; nothing was run

            """)
        #expect(!FileManager.default.fileExists(atPath: stateDirectory))
    }

    @Test("a 50 MB inventory is refused quickly, without being read", arguments: [["validate"], ["up"]])
    func hugeInventory(_ command: [String]) async throws {
        let path = folder.url.appendingPathComponent("huge.json").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{".utf8)))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 50_000_000)  // sparse: costs no disk and no time
        try handle.close()
        let started = ContinuousClock.now
        let outcome = try await fleet(command + [path, "--state-dir", stateDirectory])
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(outcome.status == 65, "\(outcome)")
        #expect(outcome.stdout == "")
        #expect(outcome.stderr == """
            fleet: error: \(path): file is 50.0 MB; an inventory may be at most 1 MiB
            fleet: error: \(path): invalid inventory; nothing was run

            """)
        #expect(!FileManager.default.fileExists(atPath: stateDirectory))
    }
}
