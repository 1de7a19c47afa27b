import Foundation
import Testing

@testable import Fleet

/// A small valid inventory, and broken variants of it made by exact text replacement, so each
/// test case shows precisely what it changed.
enum InventoryFixture {
    /// The file name every diagnostic of these tests carries.
    static let file = "inventory/test.json"

    static let digestA = String(repeating: "a", count: 64)
    static let digestB = String(repeating: "b", count: 64)

    static let network = """
          "network": {
            "vlanId": 1000,
            "subnet": "192.168.10.0/25",
            "gateway": "192.168.10.2",
            "dhcpPool": {"start": "192.168.10.26", "end": "192.168.10.126"},
            "dnsServers": ["147.75.207.207", "147.75.207.208"],
            "reserved": ["192.168.10.25"]
          },

        """

    static let devices = """
          "devices": [
            {"name": "hub", "role": "hub", "address": "203.0.113.10", "vlanAddress": "192.168.10.2"},
            {"name": "host-0", "role": "host", "address": "203.0.113.11", "vlanAddress": "192.168.10.3"},
            {"name": "host-1", "role": "host", "address": "203.0.113.12", "vlanAddress": "192.168.10.4"}
          ],

        """

    static let components = """
          "tailscale": {"authKeyEnv": "TS_AUTHKEY"},
          "flintlock": {"version": "v0.11.0", "firecrackerVersion": "v1.15.1", "disk": "/dev/sdb",
                        "sha256": {"flintlockd": "\(digestA)", "firecracker": "\(digestB)"}},
          "extraSteps": [
            {"id": "motd", "role": "hub", "file": {"path": "/etc/motd", "content": "hi\\n"}},
            {"id": "conf-line", "line": {"path": "/etc/example.conf", "line": "key = value"}}
          ]

        """

    /// The whole valid document.
    static var text: String {
        "{\n  \"playbook\": \"liquid-metal\",\n  \"ssh\": {\"user\": \"root\"},\n" + network + devices + components + "}\n"
    }

    /// The document with each `(old, new)` replacement applied; each `old` must occur exactly once.
    static func variant(_ replacements: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation)
        throws -> String
    {
        var result = text
        for (old, new) in replacements {
            let count = result.components(separatedBy: old).count - 1
            try #require(count == 1, "\(old) occurs \(count) times in the fixture", sourceLocation: sourceLocation)
            result = result.replacingOccurrences(of: old, with: new)
        }
        return result
    }

    /// Parses text as an inventory named ``file``.
    static func parse(_ text: String) -> (inventory: Inventory?, diagnostics: [Diagnostic]) {
        InventoryLoader.parse(Data(text.utf8), source: file)
    }

    /// The repository's `inventory/` folder, found from this source file.
    static var inventoryFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("inventory")
    }
}
