import Testing

@testable import Fleet

/// Command-line parsing: every command and option, the defaults, and each usage error's exact text.
@Suite("Invocation")
struct InvocationTests {
    /// A command line and the invocation it must parse to.
    struct Parsed: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var expected: Invocation
        var testDescription: String { arguments.joined(separator: " ") }

        init(_ arguments: [String], _ command: Invocation.Command, _ change: (inout Invocation) -> Void = { _ in }) {
            self.arguments = arguments
            var expected = Invocation(command: command)
            change(&expected)
            self.expected = expected
        }
    }

    /// A command line and the usage error it must be refused with.
    struct Refused: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var message: String
        var testDescription: String { arguments.isEmpty ? "(nothing)" : arguments.joined(separator: " ") }

        init(_ arguments: [String], _ message: String) {
            self.arguments = arguments
            self.message = message
        }
    }

    static let commands: [Parsed] = [
        Parsed(["up"], .up),
        Parsed(["check"], .check),
        Parsed(["teardown"], .teardown),
        Parsed(["validate"], .validate),
        Parsed(["plan"], .plan),
        Parsed(["schema"], .schema),
        Parsed(["version"], .version),
        Parsed(["--version"], .version),
        Parsed(["-V"], .version),
        Parsed(["help"], .help),
        Parsed(["--help"], .help),
        Parsed(["-h"], .help),
        Parsed(["up", "--help"], .help),
        Parsed(["check", "lab.json", "-h"], .help),
    ]

    static let options: [Parsed] = [
        Parsed(["check", "--persist", "600"], .check) { $0.persist = 600 },
        Parsed(["disconnect", "inventory/lab.json"], .disconnect) { $0.inventoryPath = "inventory/lab.json" },
        Parsed(["up", "inventory/lab.json"], .up) { $0.inventoryPath = "inventory/lab.json" },
        Parsed(["up", "--dry-run"], .up) { $0.dryRun = true },
        Parsed(["teardown", "--yes"], .teardown) { $0.assumeYes = true },
        Parsed(["teardown", "-y"], .teardown) { $0.assumeYes = true },
        Parsed(["check", "--json"], .check) { $0.json = true },
        Parsed(["up", "-v"], .up) { $0.verbose = true },
        Parsed(["up", "--verbose"], .up) { $0.verbose = true },
        Parsed(["up", "--strict-host-keys"], .up) { $0.strictHostKeys = true },
        Parsed(["up", "--limit", "hub,host-0"], .up) { $0.limit = ["hub", "host-0"] },
        Parsed(["up", "--limit", " hub , ,host-0,"], .up) { $0.limit = ["hub", "host-0"] },
        Parsed(["up", "--only", "vlan-link"], .up) { $0.only = ["vlan-link"] },
        Parsed(["up", "--skip", "a,b"], .up) { $0.skip = ["a", "b"] },
        Parsed(["up", "--parallel", "1"], .up) { $0.parallel = 1 },
        Parsed(["up", "--parallel", "1024"], .up) { $0.parallel = 1024 },
        Parsed(["up", "--timeout", "86400"], .up) { $0.stepTimeout = 86400 },
        Parsed(["up", "--connect-timeout", "5"], .up) { $0.connectTimeout = 5 },
        Parsed(["up", "--ssh-config", "lab/ssh_config"], .up) { $0.sshConfig = "lab/ssh_config" },
        Parsed(["up", "--state-dir", "/tmp/state"], .up) { $0.stateDirectory = "/tmp/state" },
        Parsed(["plan", "--limit", "hub", "lab.json", "--skip", "x"], .plan) {
            $0.inventoryPath = "lab.json"
            $0.limit = ["hub"]
            $0.skip = ["x"]
        },
        Parsed(
            ["up", "--dry-run", "lab.json", "--json", "-v", "--strict-host-keys", "--limit", "hub", "--only", "a,b",
             "--skip", "c", "--parallel", "8", "--timeout", "60", "--connect-timeout", "3", "--ssh-config", "cfg",
             "--state-dir", "st"], .up
        ) {
            $0.dryRun = true
            $0.inventoryPath = "lab.json"
            $0.json = true
            $0.verbose = true
            $0.strictHostKeys = true
            $0.limit = ["hub"]
            $0.only = ["a", "b"]
            $0.skip = ["c"]
            $0.parallel = 8
            $0.stepTimeout = 60
            $0.connectTimeout = 3
            $0.sshConfig = "cfg"
            $0.stateDirectory = "st"
        },
    ]

    static let refused: [Refused] = [
        Refused([], "no command given"),
        Refused(["frob"], "unknown command `frob`; commands: up, check, teardown, validate, plan, output, disconnect, schema, help, version"),
        Refused(["--json"], "unknown command `--json`; commands: up, check, teardown, validate, plan, output, disconnect, schema, help, version"),
        Refused(["up", "--frob"], "unknown option `--frob`"),
        Refused(["up", "-x"], "unknown option `-x`"),
        Refused(["up", "--limit"], "--limit needs a value"),
        Refused(["up", "--limit", "--json"], "--limit needs a value"),
        Refused(["up", "--ssh-config"], "--ssh-config needs a value"),
        Refused(["up", "--parallel"], "--parallel needs a value"),
        Refused(["up", "--parallel", "0"], "--parallel takes a whole number from 1 to 1024, not `0`"),
        Refused(["up", "--parallel", "abc"], "--parallel takes a whole number from 1 to 1024, not `abc`"),
        Refused(["up", "--parallel", "1025"], "--parallel takes a whole number from 1 to 1024, not `1025`"),
        Refused(["up", "--timeout", "0"], "--timeout takes a whole number from 1 to 86400, not `0`"),
        Refused(["up", "--connect-timeout", "601"], "--connect-timeout takes a whole number from 1 to 600, not `601`"),
        Refused(["check", "--dry-run"], "--dry-run goes with `up`"),
        Refused(["teardown", "--dry-run", "--yes"], "--dry-run goes with `up`"),
        Refused(["up", "--yes"], "--yes goes with `teardown`"),
        Refused(["check", "-y"], "--yes goes with `teardown`"),
        Refused(["up", "a.json", "b.json"], "one inventory file at most, got a.json, b.json"),
        Refused(["up", "--limit", ","], "--limit needs at least one name"),
        Refused(["up", "--only", " , "], "--only needs at least one name"),
        Refused(["up", "--skip", ""], "--skip needs at least one name"),
        Refused(["up", "--persist", "0"], "--persist takes a whole number from 1 to 86400, not `0`"),
        Refused(["schema", "inventory/lab.json"], "`schema` takes no inventory or options"),
        Refused(["schema", "--json"], "`schema` takes no inventory or options"),
    ]

    @Test("each command parses", arguments: commands)
    func command(_ parsed: Parsed) throws {
        #expect(try Invocation.parse(parsed.arguments) == parsed.expected)
    }

    @Test("each option parses", arguments: options)
    func option(_ parsed: Parsed) throws {
        #expect(try Invocation.parse(parsed.arguments) == parsed.expected)
    }

    @Test("defaults: ./inventory.json, 32 hosts at once, 300 s per step phase, 10 s to connect")
    func defaults() throws {
        let invocation = try Invocation.parse(["up"])
        #expect(invocation.inventoryPath == "inventory.json")
        #expect(invocation.parallel == 32)
        #expect(invocation.stepTimeout == 300)
        #expect(invocation.connectTimeout == 10)
        #expect(invocation.limit == nil)
        #expect(invocation.only == nil)
        #expect(invocation.skip.isEmpty)
        #expect(invocation.sshConfig == nil)
        #expect(invocation.stateDirectory == nil)
        #expect(!invocation.dryRun && !invocation.assumeYes && !invocation.json && !invocation.verbose)
        #expect(!invocation.strictHostKeys)
    }

    @Test("usage errors say exactly what is wrong", arguments: refused)
    func refusedWithMessage(_ refused: Refused) {
        let error = #expect(throws: FleetError.self) { try Invocation.parse(refused.arguments) }
        #expect(error?.code == .usage)
        #expect(error?.message == refused.message)
        #expect(error?.host == nil && error?.step == nil)
    }

    @Test("the usage text names every command and documents the defaults and exit codes")
    func usageText() {
        for command in Invocation.Command.allCases where command != .help {
            #expect(Invocation.usage.contains("\n  \(command.rawValue) "), "\(command) is not in the usage")
        }
        #expect(Invocation.usage.hasPrefix("usage: fleet <command> [INVENTORY] [options]\n"))
        #expect(Invocation.usage.contains("--parallel N           hosts worked at once (default 32)"))
        #expect(Invocation.usage.contains("--timeout SECONDS      time limit of each step phase (default 300)"))
        #expect(Invocation.usage.contains("64 usage error, 65 invalid inventory, 1 local problem, 70 fleet defect, 130 interrupted"))
    }
}
