/// `fleet plan`: each host's steps in order, with their ids for `--only` and `--skip`.
public enum PlanListing {
    /// Renders the plan.
    public static func render(_ plan: Plan) -> String {
        plan.hosts.map { host in
            let header = "\(host.device.name) (\(host.device.role.rawValue), \(host.device.address)): \(host.steps.count) step\(host.steps.count == 1 ? "" : "s")"
            let width = host.steps.map(\.id.count).max() ?? 0
            let lines = host.steps.enumerated().map { index, step in
                let number = String(index + 1)
                let id = step.id + String(repeating: " ", count: width - step.id.count)
                return String(repeating: " ", count: max(0, 3 - number.count)) + number + ". \(id)  \(step.title)"
            }
            return ([header] + lines).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
