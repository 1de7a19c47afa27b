import Fleet
import FleetTestSupport
import Playbooks
import Testing

/// The Liquid Metal plan driven by the real executor over ``ScriptedTransport``: which steps
/// run, in which exec, and what notifications restart.
@Suite("LiquidMetal through the executor")
struct EngineTests {
    static let inventory = DemoInventory.inventory()

    static func steps(_ device: Device) -> [Step] {
        LiquidMetal.steps(for: device, in: inventory, authKey: DemoInventory.authKey)
    }

    static func plan(_ devices: [Device] = [DemoInventory.hub, DemoInventory.host0]) -> Plan {
        Plan(hosts: devices.map { Plan.HostPlan(device: $0, steps: steps($0)) })
    }

    static func run(_ transport: ScriptedTransport, mode: RunMode = .up, plan: Plan = plan()) async -> Recap {
        await Executor(transport: transport, options: RunOptions(mode: mode), reporter: InMemoryReporter()).run(plan)
    }

    /// Facts for "this step is already satisfied" on a device, as the fake transport models them.
    static func converged(except missing: Set<String> = []) -> [String: Set<String>] {
        [DemoInventory.hub.name: Set(steps(DemoInventory.hub).map(\.id)).subtracting(missing),
         DemoInventory.host0.name: Set(steps(DemoInventory.host0).map(\.id)).subtracting(missing)]
    }

    @Test("already satisfied: one exec of checks per host, nothing applied")
    func satisfied() async {
        let transport = ScriptedTransport(facts: Self.converged())
        let recap = await Self.run(transport)
        #expect(recap.exitCode == ExitCode.success)
        #expect(recap.totalChanged == 0)
        #expect(transport.calls.count == 2)
        #expect(transport.calls.allSatisfy { $0.batch.tasks.allSatisfy { $0.phase == .check } })
    }

    @Test("a fresh pair converges in two execs per host; a second run changes nothing")
    func freshThenIdempotent() async {
        let transport = ScriptedTransport()
        let first = await Self.run(transport)
        #expect(first.exitCode == ExitCode.success)
        #expect(first.hosts.map { $0.count(.changed) } == [Self.steps(DemoInventory.hub).count,
                                                          Self.steps(DemoInventory.host0).count])
        #expect(first.hosts.map(\.execs) == [2, 2])
        let hubApply = transport.calls.first { $0.host == "hub" && $0.batch.tasks.first?.phase == .apply }
        #expect(hubApply?.batch.tasks.filter { $0.phase == .apply }.map(\.stepId) == Self.steps(DemoInventory.hub).map(\.id))

        let second = await Self.run(transport)
        #expect(second.totalChanged == 0)
        #expect(second.hosts.map(\.execs) == [1, 1])
    }

    @Test("a changed dhcpd.conf restarts the DHCP server and nothing else")
    func dhcpNotification() async {
        let transport = ScriptedTransport(facts: Self.converged(except: ["dhcp-config"]))
        let recap = await Self.run(transport, plan: Self.plan([DemoInventory.hub]))
        let apply = transport.calls.last?.batch.tasks.filter { $0.phase == .apply }.map(\.stepId)
        #expect(apply == ["dhcp-config", "dhcp-server"])
        #expect(recap.hosts[0].steps.first { $0.stepId == "dhcp-server" }?.status == .changed)
        #expect(recap.hosts[0].count(.changed) == 2)
    }

    @Test("a new flintlockd pin restarts flintlockd; a changed containerd config restarts containerd")
    func hostNotifications() async {
        let transport = ScriptedTransport(facts: Self.converged(except: ["flintlockd-binary", "containerd-config"]))
        _ = await Self.run(transport, plan: Self.plan([DemoInventory.host0]))
        let apply = transport.calls.last?.batch.tasks.filter { $0.phase == .apply }.map(\.stepId)
        #expect(apply == ["containerd-config", "containerd", "flintlockd-binary", "flintlockd"])
    }

    @Test("the auth key travels only in the apply exec, inside the tailscale-up task")
    func authKeyOnlyInApply() async {
        let transport = ScriptedTransport()
        _ = await Self.run(transport, plan: Self.plan([DemoInventory.hub]))
        for call in transport.calls {
            for task in call.batch.tasks where task.script.contains(DemoInventory.authKey) {
                #expect(task.stepId == "tailscale-up" && task.phase == .apply)
            }
        }
        #expect(transport.calls[0].batch.tasks.allSatisfy { !$0.script.contains(DemoInventory.authKey) })
    }

    @Test("teardown checks the undoable steps in reverse order")
    func teardownOrder() async {
        let transport = ScriptedTransport()
        _ = await Self.run(transport, mode: .teardown, plan: Self.plan([DemoInventory.host0]))
        let order = transport.calls.first?.batch.tasks.map(\.stepId)
        #expect(order == Self.steps(DemoInventory.host0).filter { $0.undo != nil }.map(\.id).reversed())
        #expect(order?.first == "flintlockd" && order?.last == "8021q-module")
    }
}
