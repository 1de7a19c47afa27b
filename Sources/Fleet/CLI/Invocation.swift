/// A parsed command line. Parsing is pure: no file is read and nothing runs.
public struct Invocation: Sendable, Equatable {
    /// What to do.
    public enum Command: String, Sendable, Equatable, CaseIterable {
        case up, check, teardown, validate, plan, output, disconnect, schema, help, version
    }

    /// The command.
    public var command: Command
    /// The inventory file (`./inventory.json` when not given).
    public var inventoryPath = "inventory.json"
    /// `up --dry-run`.
    public var dryRun = false
    /// `teardown --yes`.
    public var assumeYes = false
    /// `--json`: JSON lines on stdout, human output on stderr.
    public var json = false
    /// `-v`: also show steps that were already fine.
    public var verbose = false
    /// `--limit`: device names.
    public var limit: Set<String>?
    /// `--only`: step ids.
    public var only: Set<String>?
    /// `--skip`: step ids.
    public var skip: Set<String> = []
    /// `--parallel`.
    public var parallel = 32
    /// `--timeout`: per step phase, seconds.
    public var stepTimeout = 300
    /// `--connect-timeout`, seconds.
    public var connectTimeout = 10
    /// `--ssh-config`: passed to ssh as `-F`.
    public var sshConfig: String?
    /// `--strict-host-keys`.
    public var strictHostKeys = false
    /// `--state-dir`.
    public var stateDirectory: String?
    /// `--persist`: seconds a kept connection may stay idle; nil closes connections with the run.
    public var persist: Int?

    /// The usage text.
    public static let usage = """
        usage: fleet <command> [INVENTORY] [options]

        commands:
          up [FILE]          converge: check every step, apply what differs, verify it
          check [FILE]       verify only and report drift with evidence (exit 4 on drift)
          teardown [FILE]    undo every step in reverse order (asks first unless --yes)
          validate [FILE]    validate the inventory and its plan, print every problem (no ssh)
          plan [FILE]        list each host's steps, in order (no ssh)
          output [FILE]      what the cluster step needs: flintlockd endpoints, the client
                             certificate, the reserved VIP, the subnet route's approval (exit 4
                             while something is missing)
          disconnect [FILE]  close the connections that --persist kept open
          schema             print the inventory's JSON Schema, for editors (what
                             inventory/inventory.schema.json holds)
          version            print the version (also --version)

        FILE defaults to ./inventory.json.

        options:
          --dry-run              (up) show what would change, with diffs; change nothing
          --yes                  (teardown) do not ask for confirmation
          --limit NAMES          only these devices (comma-separated)
          --only IDS             only these step ids (comma-separated)
          --skip IDS             not these step ids (comma-separated)
          --parallel N           hosts worked at once (default 32)
          --timeout SECONDS      time limit of each step phase (default 300)
          --connect-timeout S    ssh ConnectTimeout (default 10)
          --ssh-config FILE      ssh config file (ssh -F); default: your ~/.ssh/config
          --strict-host-keys     refuse hosts whose key is not in known_hosts (default: accept new keys)
          --state-dir DIR        where run logs and the flintlockd CA go (default $XDG_STATE_HOME/fleet or ~/.local/state/fleet)
          --persist SECONDS      keep each host's ssh connection for later runs until idle this long
                                 (ssh ControlPersist; off by default: nothing outlives fleet)
          --json                 JSON lines on stdout; human output goes to stderr
          -v, --verbose          also list steps that were already as desired

        exit codes: 0 converged/clean, 2 a step failed, 3 a host unreachable, 4 drift found by check,
                    64 usage error, 65 invalid inventory, 1 local problem, 70 fleet defect, 130 interrupted
        """

    /// Parses `arguments` (without the program name).
    /// - Throws: ``FleetError`` `.usage` with a precise message.
    public static func parse(_ arguments: [String]) throws -> Invocation {
        var rest = arguments[...]
        guard let first = rest.popFirst() else { throw usage("no command given") }
        var invocation: Invocation
        switch first {
        case "--version", "-V": return Invocation(command: .version)
        case "--help", "-h", "help": return Invocation(command: .help)
        default:
            guard let command = Command(rawValue: first) else {
                throw usage("unknown command `\(first)`; commands: \(Command.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            invocation = Invocation(command: command)
        }
        var positional: [String] = []
        while let word = rest.popFirst() {
            func value() throws -> String {
                guard let next = rest.popFirst(), !next.hasPrefix("--") else { throw usage("\(word) needs a value") }
                return next
            }
            func number(_ range: ClosedRange<Int>) throws -> Int {
                let text = try value()
                guard let n = Int(text), range.contains(n) else {
                    throw usage("\(word) takes a whole number from \(range.lowerBound) to \(range.upperBound), not `\(text)`")
                }
                return n
            }
            switch word {
            case "--dry-run": invocation.dryRun = true
            case "--yes", "-y": invocation.assumeYes = true
            case "--json": invocation.json = true
            case "-v", "--verbose": invocation.verbose = true
            case "--strict-host-keys": invocation.strictHostKeys = true
            case "--limit": invocation.limit = try list(value(), word)
            case "--only": invocation.only = try list(value(), word)
            case "--skip": invocation.skip = try list(value(), word)
            case "--parallel": invocation.parallel = try number(1...1024)
            case "--timeout": invocation.stepTimeout = try number(1...86400)
            case "--connect-timeout": invocation.connectTimeout = try number(1...600)
            case "--ssh-config": invocation.sshConfig = try value()
            case "--state-dir": invocation.stateDirectory = try value()
            case "--persist": invocation.persist = try number(1...86400)
            case "--help", "-h": return Invocation(command: .help)
            default:
                if word.hasPrefix("-") { throw usage("unknown option `\(word)`") }
                positional.append(word)
            }
        }
        if positional.count > 1 { throw usage("one inventory file at most, got \(positional.joined(separator: ", "))") }
        if let path = positional.first { invocation.inventoryPath = path }
        if invocation.dryRun && invocation.command != .up { throw usage("--dry-run goes with `up`") }
        if invocation.assumeYes && invocation.command != .teardown { throw usage("--yes goes with `teardown`") }
        if invocation.command == .schema, arguments.count > 1 { throw usage("`schema` takes no inventory or options") }
        return invocation
    }

    static func list(_ text: String, _ option: String) throws -> Set<String> {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw usage("\(option) needs at least one name") }
        return Set(items)
    }

    static func usage(_ message: String) -> FleetError { FleetError(.usage, message) }
}

import Foundation
