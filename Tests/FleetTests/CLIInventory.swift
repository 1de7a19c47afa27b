import Fleet

/// Inventory files for the CLI tests, written as text the way a user writes them.
enum CLIInventory {
    /// A `playbook: none` inventory with these devices (all at 127.0.0.1, each on its own port)
    /// and these `extraSteps` entries (JSON objects, one per string).
    static func text(devices: [(name: String, role: Role, port: Int)], extraSteps: [String]) -> String {
        let deviceLines = devices.map { device in
            #"    {"name": "\#(device.name)", "role": "\#(device.role.rawValue)", "address": "127.0.0.1", "ssh": {"port": \#(device.port)}}"#
        }
        return """
            {
              "playbook": "none",
              "ssh": {"user": "root"},
              "devices": [
            \(deviceLines.joined(separator: ",\n"))
              ],
              "extraSteps": [
            \(extraSteps.map { "    " + $0 }.joined(separator: ",\n"))
              ]
            }

            """
    }
}
