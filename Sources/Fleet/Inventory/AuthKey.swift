import Foundation

/// Reads the Tailscale auth key from where the inventory says it is. The key itself is never
/// put in an error message, a log or argv.
public enum AuthKey {
    /// The key, or nil when the inventory has no Tailscale section or the source is empty/absent
    /// (the tailscale step then fails only if it has to log in).
    /// - Throws: ``FleetError`` `.local` when a key file exists but cannot be read or is too open.
    public static func read(for inventory: Inventory,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        guard let settings = inventory.tailscale else { return nil }
        switch settings.authKey {
        case .environment(let name):
            let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return value.isEmpty ? nil : value
        case .file(let path):
            let expanded = SSHOptions.expandTilde(path)
            guard FileManager.default.fileExists(atPath: expanded) else { return nil }
            if let mode = PrivateFile.openMode(expanded) {
                throw FleetError(.local, "the Tailscale auth key file \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
            }
            guard let data = FileManager.default.contents(atPath: expanded) else {
                throw FleetError(.local, "cannot read the Tailscale auth key file \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty ? nil : value
        }
    }
}
