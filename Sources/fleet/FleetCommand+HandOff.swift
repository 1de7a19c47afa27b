import Fleet
import Foundation
import Playbooks

extension FleetCommand {
    /// `fleet output`: the hand-off to the cluster step. Reads the controller's certificates
    /// (issues nothing) and asks the hub, with its `tailscale-up` check, whether the subnet
    /// route is approved; changes nothing anywhere.
    static func handOff(_ inventory: Inventory, _ invocation: Invocation) async throws -> Int32 {
        let stateDirectory = invocation.stateDirectory ?? StateDirectory.default()
        let credentials = try await credentials(inventory, invocation, stateDirectory: stateDirectory, issue: false)
        var route = HandOff.RouteState.noTailscale
        var detail: String?
        if inventory.tailscale != nil, let hub = inventory.hub {
            (route, detail) = try await routeState(inventory, hub: hub, invocation, stateDirectory: stateDirectory)
        }
        let handOff = HandOff.make(inventory: inventory, credentials: credentials, route: route, routeDetail: detail)
        print(invocation.json ? handOff.json : handOff.text)
        if route == .unknown { return ExitCode.unreachable }
        return handOff.isComplete ? ExitCode.success : ExitCode.drift
    }

    /// Runs only the hub's `tailscale-up` check, silently, and reads the route state from it.
    static func routeState(_ inventory: Inventory, hub: Device, _ invocation: Invocation,
                           stateDirectory: String) async throws -> (HandOff.RouteState, String?) {
        let sshOptions = sshOptions(invocation)
        var inventory = inventory
        inventory.devices = await sshOptions.effective(inventory.devices)
        var scoped = invocation
        scoped.limit = [hub.name]
        scoped.only = ["tailscale-up"]
        scoped.skip = []
        let plan = try makePlan(inventory, scoped, authKey: nil)
        let log = try RunLog(directory: (stateDirectory as NSString).appendingPathComponent("runs"),
                             name: "\(StateDirectory.stamp())-output.log")
        let executor = Executor(
            transport: try SSHTransport(options: sshOptions),
            options: RunOptions(mode: .check, parallel: 1, stepTimeout: .seconds(invocation.stepTimeout)),
            reporter: FanOutReporter([]), log: log)
        let recap = await executor.run(plan)
        log.flush()
        let report = recap.hosts.first
        if let failure = report?.failureText { return (.unknown, failure) }
        let result = report?.steps.first { $0.stepId == "tailscale-up" }
        return (HandOff.routeState(from: result), HandOff.routeDetail(from: result))
    }
}
