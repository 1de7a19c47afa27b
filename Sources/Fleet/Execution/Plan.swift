/// The ordered steps for each host of a run: a pure function of the inventory and filters.
public struct Plan: Sendable, Equatable {
    /// One device and its steps, in order.
    public struct HostPlan: Sendable, Equatable {
        /// The device.
        public var device: Device
        /// Its steps in run order.
        public var steps: [Step]
        /// Creates a host plan.
        public init(device: Device, steps: [Step]) {
            self.device = device
            self.steps = steps
        }
    }

    /// Hosts in inventory order.
    public var hosts: [HostPlan]

    /// Creates a plan from explicit host plans.
    public init(hosts: [HostPlan]) { self.hosts = hosts }

    /// Every secret any step carries.
    public var secrets: [String] { hosts.flatMap { $0.steps.flatMap(\.secrets) } }

    /// Builds the plan: each device's playbook steps, then its extra steps, filtered.
    /// - Parameters:
    ///   - playbook: the built-in steps for a device (empty for `playbook: none`).
    ///   - limit: device names to keep; nil keeps all.
    ///   - only: step ids to keep; nil keeps all.
    ///   - skip: step ids to drop.
    /// - Throws: ``FleetError`` `.usage` when a filter names a device or step id that does not
    ///   exist (a typo must not silently turn a run into a no-op); `.inventoryInvalid` when an extra
    ///   step's id is already a playbook step's; `.playbookDefect` when a step is notified by one
    ///   that does not come before it.
    public static func make(
        inventory: Inventory, playbook: (Device) -> [Step], limit: Set<String>? = nil,
        only: Set<String>? = nil, skip: Set<String> = []
    ) throws -> Plan {
        let names = Set(inventory.devices.map(\.name))
        if let limit, let unknown = limit.subtracting(names).sorted().first {
            throw FleetError(.usage, "--limit names `\(unknown)`, which is not a device of \(inventory.source) (devices: \(inventory.devices.map(\.name).joined(separator: ", ")))")
        }
        func keeps(_ id: String) -> Bool { (only?.contains(id) ?? true) && !skip.contains(id) }
        var allIds = Set<String>()
        var hosts: [HostPlan] = []
        for device in inventory.devices {
            let entries = inventory.extraSteps.filter { $0.role == nil || $0.role == device.role }
            // Wired before --only/--skip filter them: a notifier that runs while its notified step
            // is skipped still leaves the restart owed.
            let steps = PendingNotification.wire(playbook(device) + ExtraStepSpec.steps(entries, keeping: keeps))
            var seen = Set<String>()
            for step in steps {
                // A restart wired to a step that is not before it would never happen.
                for source in step.notifiedBy where !seen.contains(source) {
                    throw FleetError(.playbookDefect, "step `\(step.id)` is notified by `\(source)`, which is not an earlier step",
                                     host: device.name, step: step.id)
                }
                guard seen.insert(step.id).inserted else {
                    let index = inventory.extraSteps.firstIndex { $0.id.rawValue == step.id }
                    let path = index.map { "extraSteps[\($0)].id" } ?? "extraSteps"
                    throw FleetError(.inventoryInvalid, "\(inventory.source): \(path): `\(step.id)` is already the id of a step of \(device.name)'s playbook; extra step ids must differ from the playbook's")
                }
            }
            allIds.formUnion(seen)
            guard limit?.contains(device.name) ?? true else { continue }
            let kept = steps.filter { keeps($0.id) }
            hosts.append(HostPlan(device: device, steps: kept))
        }
        for id in (only ?? []).union(skip).sorted() where !allIds.contains(id) {
            throw FleetError(.usage, "no step has the id `\(id)` (see `fleet plan` for the ids)")
        }
        return Plan(hosts: hosts)
    }
}
