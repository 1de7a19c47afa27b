import Fleet
import Foundation
import Playbooks

/// The `fleet` command: parse, validate, call the library, render, pick the exit code.
enum FleetCommand {
    static let version = "0.1.0"

    static func run(_ arguments: [String]) async -> Int32 {
        let invocation: Invocation
        do {
            invocation = try Invocation.parse(arguments)
        } catch {
            Terminal.error("\(message(of: error))\n\n\(Invocation.usage)")
            return ExitCode.usage
        }
        switch invocation.command {
        case .help:
            print(Invocation.usage)
            return 0
        case .version:
            print("fleet \(version)")
            return 0
        case .schema:
            print(InventorySchema.text, terminator: "")
            return 0
        case .validate, .plan, .up, .check, .teardown, .output, .disconnect:
            break
        }
        let (inventory, diagnostics) = InventoryLoader.load(path: invocation.inventoryPath)
        for diagnostic in diagnostics { Terminal.report(diagnostic) }
        guard let inventory else {
            Terminal.error("\(invocation.inventoryPath): invalid inventory; nothing was run")
            return ExitCode.badInventory
        }
        do {
            if invocation.command == .validate {
                // The plan too: valid means `up` would accept it (extra step ids among them).
                let plan = try makePlan(inventory, invocation, authKey: nil)
                let steps = plan.hosts.reduce(0) { $0 + $1.steps.count }
                print("\(invocation.inventoryPath): valid (\(inventory.devices.count) devices, \(steps) steps)")
                return 0
            }
            if invocation.command == .output { return try await handOff(inventory, invocation) }
            if invocation.command == .disconnect { return await disconnect(inventory, invocation) }
            return try await converge(inventory, invocation)
        } catch {
            Terminal.error(message(of: error))
            return ExitCode.of(error)
        }
    }

    static func makePlan(_ inventory: Inventory, _ invocation: Invocation, authKey: String?,
                         tls: FlintlockCredentials? = nil) throws -> Plan {
        try Plan.make(
            inventory: inventory,
            playbook: { device in
                inventory.playbook == .liquidMetal
                    ? LiquidMetal.steps(for: device, in: inventory, authKey: authKey, tls: tls) : []
            },
            limit: invocation.limit, only: invocation.only, skip: invocation.skip)
    }

    static func sshOptions(_ invocation: Invocation) -> SSHOptions {
        SSHOptions(configFile: invocation.sshConfig, hostKeys: invocation.strictHostKeys ? .strict : .acceptNew,
                   connectTimeout: invocation.connectTimeout, persist: invocation.persist)
    }

    /// The inventory's flintlockd certificates from its CA under `stateDirectory`.
    static func credentials(_ inventory: Inventory, _ invocation: Invocation, stateDirectory: String,
                            issue: Bool) async throws -> FlintlockCredentials? {
        try await FlintlockCredentials.prepare(
            for: inventory, directory: FlintlockCredentials.directory(stateDirectory: stateDirectory,
                                                                      inventoryPath: invocation.inventoryPath),
            issue: issue)
    }

    static func converge(_ inventory: Inventory, _ invocation: Invocation) async throws -> Int32 {
        let mode: RunMode
        switch invocation.command {
        case .check: mode = .check
        case .teardown: mode = .teardown
        default: mode = invocation.dryRun ? .dryRun : .up
        }
        let authKey = try mode == .up ? AuthKey.read(for: inventory) : nil
        let stateDirectory = invocation.stateDirectory ?? StateDirectory.default()
        // A plan that cannot be made stops here, before the CA is made (nothing changed locally).
        _ = try makePlan(inventory, invocation, authKey: authKey)
        // Only a real `up` makes the CA or issues; a plan, dry run, check or teardown reads.
        let tls = try await credentials(inventory, invocation, stateDirectory: stateDirectory,
                                        issue: mode == .up && invocation.command == .up)
        let sshOptions = sshOptions(invocation)
        // The user and port ssh will use, also where only the ssh config sets them.
        var inventory = inventory
        inventory.devices = await sshOptions.effective(inventory.devices)
        let plan = try makePlan(inventory, invocation, authKey: authKey, tls: tls)
        if invocation.command == .plan {
            print(PlanListing.render(plan))
            return 0
        }
        if mode == .teardown, !invocation.assumeYes, !(try Terminal.confirmTeardown(plan)) {
            Terminal.error("teardown cancelled; nothing was changed")
            return ExitCode.usage
        }
        if let problem = FileLimit.ensure(parallel: min(invocation.parallel, plan.hosts.count)) {
            throw FleetError(.usage, problem)
        }
        let log = try RunLog(directory: (stateDirectory as NSString).appendingPathComponent("runs"),
                             name: "\(StateDirectory.stamp())-\(mode.rawValue).log")
        let humanHandle = invocation.json ? FileHandle.standardError : FileHandle.standardOutput
        let human = invocation.json ? OutputSink.standardError : OutputSink.standardOutput
        let style = Style(color: Terminal.wantsColor(humanHandle))
        var reporters: [any Reporter] = [ConsoleReporter(output: human, style: style, live: Terminal.isTTY(humanHandle),
                                                         verbose: invocation.verbose)]
        if invocation.json { reporters.append(JSONReporter(output: .standardOutput)) }
        let transport = try SSHTransport(options: sshOptions)
        let executor = Executor(
            transport: transport,
            options: RunOptions(mode: mode, parallel: invocation.parallel, stepTimeout: .seconds(invocation.stepTimeout)),
            reporter: FanOutReporter(reporters), log: log)
        let recap = await executor.run(plan)
        human.write("run log: \(log.path)\n")
        // A closed or stalled terminal does not change the outcome; the log says what was lost.
        for sink in [OutputSink.standardOutput, OutputSink.standardError] {
            sink.flush()
            if let failure = sink.failed { log.outputFailed(failure) }
        }
        log.flush()
        return recap.exitCode
    }

    /// `fleet disconnect`: ends the kept master of every device (of `--limit`), one line each.
    static func disconnect(_ inventory: Inventory, _ invocation: Invocation) async -> Int32 {
        if let unknown = invocation.limit?.subtracting(inventory.devices.map(\.name)), !unknown.isEmpty {
            Terminal.error("--limit names no device of the inventory: \(unknown.sorted().joined(separator: ", "))")
            return ExitCode.usage
        }
        let devices = inventory.devices.filter { invocation.limit?.contains($0.name) ?? true }
        let closed = await KeptConnections.disconnect(devices, options: sshOptions(invocation))
        for (device, wasOpen) in zip(devices, closed) {
            print("\(device.name): \(wasOpen ? "closed" : "no kept connection")")
        }
        return 0
    }

    static func message(of error: any Error) -> String {
        (error as? any LocalizedError)?.errorDescription ?? String(describing: error)
    }
}
