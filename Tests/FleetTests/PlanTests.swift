import Fleet
import FleetTestSupport
import Testing

/// `Plan.make`: which steps each device gets, in which order, and which filters are refused.
@Suite("Plan")
struct PlanTests {
    static let hub = Device(name: "hub", role: .hub, address: "203.0.113.10")
    static let host0 = Device(name: "host-0", role: .host, address: "203.0.113.11")
    static let host1 = Device(name: "host-1", role: .host, address: "203.0.113.12")

    static func extra(_ id: ExtraStepID, role: Role?) -> ExtraStepSpec {
        ExtraStepSpec(id: id, title: "extra \(id)", role: role, kind: .command(check: "true", apply: "true", undo: nil))
    }

    static let inventory = Inventory(
        source: "inventory/test.json", playbook: .liquidMetal, devices: [hub, host0, host1], network: nil,
        extraSteps: [extra("everywhere", role: nil), extra("hub-only", role: .hub), extra("host-only", role: .host),
                     extra("last", role: nil)])

    /// A stand-in playbook: two steps for the hub, one for hosts.
    static func playbook(_ device: Device) -> [Step] {
        device.role == .hub ? [Step.fake("vlan-link"), Step.fake("nat")] : [Step.fake("vlan-link")]
    }

    static func make(limit: Set<String>? = nil, only: Set<String>? = nil, skip: Set<String> = [],
                     inventory: Inventory = inventory) throws -> Plan {
        try Plan.make(inventory: inventory, playbook: playbook, limit: limit, only: only, skip: skip)
    }

    static func ids(_ plan: Plan) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: plan.hosts.map { ($0.device.name, $0.steps.map(\.id)) })
    }

    @Test("playbook steps first, then the extra steps of the device's role, in inventory order")
    func order() throws {
        let plan = try Self.make()
        #expect(plan.hosts.map(\.device) == [Self.hub, Self.host0, Self.host1])
        #expect(plan.hosts[0].steps.map(\.id) == ["vlan-link", "nat", "everywhere", "hub-only", "last"])
        #expect(plan.hosts[1].steps.map(\.id) == ["vlan-link", "everywhere", "host-only", "last"])
        #expect(plan.hosts[2].steps.map(\.id) == ["vlan-link", "everywhere", "host-only", "last"])
        #expect(plan.hosts[0].steps[2] == Self.extra("everywhere", role: nil).step)
        #expect(plan.hosts[0].steps[2].title == "extra everywhere")
    }

    @Test("playbook none: only the extra steps")
    func noPlaybook() throws {
        var inventory = Self.inventory
        inventory.playbook = .none
        let plan = try Plan.make(inventory: inventory, playbook: { _ in [] })
        #expect(Self.ids(plan) == ["hub": ["everywhere", "hub-only", "last"], "host-0": ["everywhere", "host-only", "last"],
                                   "host-1": ["everywhere", "host-only", "last"]])
    }

    @Test("--limit keeps the named devices, in inventory order")
    func limit() throws {
        let plan = try Self.make(limit: ["host-1", "hub"])
        #expect(plan.hosts.map(\.device.name) == ["hub", "host-1"])
        #expect(plan.hosts[1].steps.map(\.id) == ["vlan-link", "everywhere", "host-only", "last"])
    }

    @Test("--limit with a name that is no device is refused, naming the first unknown one and the devices")
    func limitUnknown() {
        let error = #expect(throws: FleetError.self) { try Self.make(limit: ["hub", "host-9", "host-10"]) }
        #expect(error?.code == .usage)
        #expect(error?.message
                == "--limit names `host-10`, which is not a device of inventory/test.json (devices: hub, host-0, host-1)")
    }

    @Test("--only keeps just those steps on every device")
    func only() throws {
        let plan = try Self.make(only: ["nat", "host-only"])
        #expect(Self.ids(plan) == ["hub": ["nat"], "host-0": ["host-only"], "host-1": ["host-only"]])
    }

    @Test("--skip drops those steps; --only and --skip combine")
    func skip() throws {
        #expect(Self.ids(try Self.make(skip: ["vlan-link", "last"]))
                == ["hub": ["nat", "everywhere", "hub-only"], "host-0": ["everywhere", "host-only"],
                    "host-1": ["everywhere", "host-only"]])
        #expect(Self.ids(try Self.make(only: ["nat", "last"], skip: ["last"]))
                == ["hub": ["nat"], "host-0": [], "host-1": []])
    }

    @Test("a step id known on a device left out by --limit is not an unknown id")
    func onlyWithLimit() throws {
        let plan = try Self.make(limit: ["host-0"], only: ["hub-only"])
        #expect(Self.ids(plan) == ["host-0": []])
    }

    @Test("--only or --skip with an id no step has is refused, naming the first such id", arguments: [
        (["nat", "vlan-lnik"], [], "vlan-lnik"), (nil, ["zzz", "aaa-typo"], "aaa-typo"), (["nat"], ["nta"], "nta"),
    ] as [(Set<String>?, Set<String>, String)])
    func unknownIds(_ only: Set<String>?, _ skip: Set<String>, _ unknown: String) {
        let error = #expect(throws: FleetError.self) { try Self.make(only: only, skip: skip) }
        #expect(error?.code == .usage)
        #expect(error?.message == "no step has the id `\(unknown)` (see `fleet plan` for the ids)")
    }

    @Test("an extra step with a playbook step's id is refused, naming the device")
    func duplicateId() {
        var inventory = Self.inventory
        inventory.extraSteps.append(Self.extra("nat", role: .hub))
        let error = #expect(throws: FleetError.self) { try Self.make(inventory: inventory) }
        #expect(error?.code == .inventoryInvalid)
        #expect(error?.message == "\(inventory.source): extraSteps[4].id: `nat` is already the id of a step of hub's playbook; extra step ids must differ from the playbook's")
    }

    @Test("a step notified by one that is not before it is a playbook defect, named with both ids")
    func notificationOrder() {
        let late = Step(id: "restart", title: "r", check: "true", apply: "true", notifiedBy: ["config"])
        let config = Step(id: "config", title: "c", check: "true", apply: "true")
        let error = #expect(throws: FleetError.self) {
            try Plan.make(inventory: Self.inventory, playbook: { _ in [late, config] })
        }
        #expect(error?.code == .playbookDefect)
        #expect(error?.step == "restart")
        #expect(error?.message == "step `restart` is notified by `config`, which is not an earlier step")
        #expect(throws: Never.self) { try Plan.make(inventory: Self.inventory, playbook: { _ in [config, late] }) }
    }

    @Test("the duplicate is found even on a device left out by --limit")
    func duplicateIdOutsideLimit() {
        var inventory = Self.inventory
        inventory.extraSteps.append(Self.extra("nat", role: .hub))
        #expect(throws: FleetError.self) { try Self.make(limit: ["host-0"], inventory: inventory) }
    }

    @Test("an extra directory manages the extra files later put directly in it, on the same device, in this run")
    func directoryManagedEntries() throws {
        func file(_ id: ExtraStepID, _ path: AbsolutePath, role: Role? = nil) -> ExtraStepSpec {
            ExtraStepSpec(id: id, title: id.rawValue, role: role, kind: .file(path: path, content: "x", mode: "0644", owner: "root:root"))
        }
        let inventory = Inventory(source: "test.json", playbook: .none, devices: [Self.hub, Self.host0], network: nil, extraSteps: [
            file("before", "/srv/app/before.conf"),
            ExtraStepSpec(id: "app", title: "app", role: nil, kind: .directory(path: "/srv/app/", mode: "0755", owner: "root:root")),
            file("conf", "/srv/./app/app.conf"),
            file("nested", "/srv/app/sub/x.conf"),
            file("elsewhere", "/srv/other.conf"),
            file("hub-conf", "/srv/app/hub.conf", role: .hub),
            file("skipped", "/srv/app/skipped.conf"),
        ])
        let plan = try Plan.make(inventory: inventory, playbook: { _ in [] }, skip: ["skipped"])
        func directory(_ managed: [String]) -> Step {
            .directory(id: "app", path: "/srv/app/", title: "app", managedEntries: managed)
        }
        #expect(plan.hosts[0].steps[1] == directory(["app.conf", "hub.conf"]))
        #expect(plan.hosts[1].steps[1] == directory(["app.conf"]))
        #expect(try Plan.make(inventory: inventory, playbook: { _ in [] }).hosts[1].steps[1]
                == directory(["app.conf", "skipped.conf"]))
    }

    @Test("the plan's secrets are every step's secrets")
    func secrets() {
        let plan = Plan(hosts: [
            Plan.HostPlan(device: Self.hub, steps: [Step(id: "a", title: "a", check: "", apply: "", secrets: ["one-secret"])]),
            Plan.HostPlan(device: Self.host0, steps: [Step.fake("b"), Step(id: "c", title: "c", check: "", apply: "",
                                                                              secrets: ["two-secret"])]),
        ])
        #expect(plan.secrets == ["one-secret", "two-secret"])
    }

    @Test("fleet plan's listing: a header per host, numbered steps, ids padded to one column")
    func listing() throws {
        let plan = try Self.make(limit: ["hub", "host-0"])
        #expect(PlanListing.render(plan) == """
            hub (hub, 203.0.113.10): 5 steps
              1. vlan-link   vlan-link
              2. nat         nat
              3. everywhere  extra everywhere
              4. hub-only    extra hub-only
              5. last        extra last

            host-0 (host, 203.0.113.11): 4 steps
              1. vlan-link   vlan-link
              2. everywhere  extra everywhere
              3. host-only   extra host-only
              4. last        extra last
            """)
    }
}
