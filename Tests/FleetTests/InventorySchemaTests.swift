import Foundation
import Testing

@testable import Fleet

/// `inventory/inventory.schema.json` is for editors; these tests keep it in step with the loader.
@Suite("inventory.schema.json")
struct InventorySchemaTests {
    static func schema() throws -> (text: String, value: JSONValue) {
        let url = InventoryFixture.inventoryFolder.appendingPathComponent("inventory.schema.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        return (text, try JSONParser.parse(Array(text.utf8)))
    }

    static func properties(of value: JSONValue) -> [String] {
        guard case .object(let members) = value,
            case .object(let properties)? = members.first(where: { $0.key == "properties" })?.value
        else { return [] }
        return properties.map(\.key)
    }

    @Test("inventory/inventory.schema.json is what `fleet schema` writes from the loader's table")
    func generated() throws {
        #expect(try Self.schema().text == InventorySchema.text,
                "regenerate it: swift run fleet schema > inventory/inventory.schema.json")
        // The renderer writes what the parser reads back as the same document.
        #expect(try JSONParser.parse(Array(InventorySchema.text.utf8)) == InventorySchema.document)
    }

    /// Every broken inventory of the validation tests, by name.
    static let broken: [BrokenInventory] = InventoryValidationTests.documents + InventoryValidationTests.typesAndKeys
        + InventoryValidationTests.devices + InventoryValidationTests.addresses + NetworkValidationTests.cases
        + ComponentValidationTests.ssh + ComponentValidationTests.services + ComponentValidationTests.tailscaleCases
        + ComponentValidationTests.flintlock + ExtraStepValidationTests.cases

    @Test("the schema refuses every broken inventory except those whose mistake is beyond a schema")
    func brokenInventories() throws {
        var accepted: [String] = []
        for broken in Self.broken {
            let text = try broken.text ?? InventoryFixture.variant(broken.replacements)
            guard let document = try? JSONParser.parse(Array(text.utf8)) else { continue }  // not JSON: nothing to judge
            let evaluator = SchemaEvaluator(root: try Self.schema().value)
            if evaluator.problems(document).isEmpty { accepted.append(broken.name) }
        }
        #expect(accepted == Self.beyondSchema)
    }

    /// The broken inventories whose mistake only the loader's code sees: a duplicate key (gone
    /// once parsed), rules across values (unique names and addresses, the address plan, lease
    /// times against each other, the bridge against the parents, macvtap against the version),
    /// host bits of a subnet, and a command of only white space.
    static let beyondSchema = [
        "duplicate key", "duplicate names", "duplicate address and port", "duplicate vlanAddress",
        "subnet with host bits", "device outside the subnet", "device on the broadcast address", "device in the pool",
        "pool covering the gateway", "pool start after end", "pool covering the broadcast address",
        "pool leaving the subnet", "gateway is not the hub", "gateway outside the subnet", "reserved address in the pool",
        "reserved address on a device", "reserved address outside the subnet", "VLAN interface name too long",
        "max lease below default", "default lease above the default max", "macvtap with a flintlock that refuses it",
        "macvtap together with a bridge name", "bridge named like a host's parent interface", "duplicate ids",
        "empty apply command",
    ]

    @Test("the schema's address patterns agree with fleet's parsers")
    func addressPatterns() {
        let samples = ["0.0.0.0", "192.168.10.2", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5",
                       "1.2.3.04", "10.0.0.1 ", "a.b.c.d", "", "192.168.10.0/25", "10.0.0.0/8", "0.0.0.0/0",
                       "10.0.0.0/31", "10.0.0.0/32", "10.0.0.0/08", "10.0.0.0/", "10.0.0.0/030", "10.0.0.0/30"]
        for sample in samples {
            #expect(InventoryPattern.matches(sample, InventorySchema.ipv4Pattern) == (IPv4Address(sample) != nil),
                    "\(sample)")
            let network = IPv4Network(sample).map { $0.prefixLength <= 30 } ?? false
            // The pattern cannot see host bits; every sample network here has none set.
            #expect(InventoryPattern.matches(sample, InventorySchema.ipv4NetworkPattern) == network, "\(sample)")
        }
    }

    @Test("every pattern the loader enforces appears in the schema")
    func patterns() throws {
        let text = try Self.schema().text
        for pattern in InventoryPattern.all {
            let anchored = pattern.contains("|") ? "^(\(pattern))$" : "^\(pattern)$"
            let escaped = anchored.replacingOccurrences(of: "\\", with: "\\\\")
            #expect(text.contains("\"\(escaped)\""), "\(anchored) is missing from the schema")
        }
    }

    /// The example with one text replacement (which must occur exactly once).
    static func example(replacing old: String, with new: String) throws -> String {
        let url = InventoryFixture.inventoryFolder.appendingPathComponent("example.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        try #require(text.components(separatedBy: old).count == 2, "\(old) must occur once in example.json")
        return text.replacingOccurrences(of: old, with: new)
    }

    @Test("the repository's inventories are valid for the loader and for the schema",
          arguments: ["example.json", "lab.json", "lab-alt.json", "local.json"])
    func validInventories(_ name: String) throws {
        let url = InventoryFixture.inventoryFolder.appendingPathComponent(name)
        let evaluator = SchemaEvaluator(root: try Self.schema().value)
        let instance = try JSONParser.parse(Array(try String(contentsOf: url, encoding: .utf8).utf8))
        #expect(evaluator.problems(instance) == [], "\(name)")
        #expect(evaluator.problems(.object([])).contains("$: required devices"), "the evaluator judges")
        #expect(InventoryLoader.load(path: url.path).inventory != nil, "\(name)")
    }

    @Test("lab-alt.json, the e2e suite's second inventory, switches every option lab.json leaves at its default")
    func labAlternative() throws {
        let load = { (name: String) in
            try #require(InventoryLoader.load(path: InventoryFixture.inventoryFolder.appendingPathComponent(name).path).inventory)
        }
        let lab = try load("lab.json"), alt = try load("lab-alt.json")
        #expect(lab.dhcp.backend == .isc && alt.dhcp.backend == .kea)
        #expect(lab.nat.backend == .firewalld && alt.nat.backend == .nftables)
        #expect(lab.ssh.user == "root" && alt.ssh.user == "fleet")
        #expect(lab.network?.mtu == nil && (alt.network?.mtu ?? 1500) < 1500)
        #expect(lab.network?.dnsServers != .auto && alt.network?.dnsServers == .auto)
        #expect(alt.flintlock?.networkMode == .bridge(FlintlockSettings.defaultBridgeName))
        #expect(lab.devices.map(\.address) == alt.devices.map(\.address), "the same VMs")
    }

    /// Mistakes of the kind a schema can express: each is refused by the loader and by the schema.
    static let mistakes: [(String, String, String)] = [
        ("unknown top-level key", #""extraSteps": []"#, #""extraSteps": [], "netwrk": {}"#),
        ("interface starting with -", #""parentInterface": "bond0""#, #""parentInterface": "-bond0""#),
        ("interface of 16 characters", #""parentInterface": "bond0""#, #""parentInterface": "abcdefghijklmnop""#),
        ("VLAN id out of range", #""vlanId": 1000"#, #""vlanId": 5000"#),
        ("unknown DHCP backend", #""backend": "isc""#, #""backend": "dhcpd""#),
        ("unknown role", #""role": "host", "address": "203.0.113.11""#, #""role": "router", "address": "203.0.113.11""#),
        ("upper-case sha256", #""flintlockd": "0000000000000000000000000000000000000000000000000000000000000000""#,
         #""flintlockd": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA""#),
        ("release tag without v", #""version": "v0.11.0""#, #""version": "0.11.0""#),
        ("bridge name with a dot", #""bridgeName": "br-mvm""#, #""bridgeName": "br.mvm""#),
        ("port as a string", #""port": 22"#, #""port": "22""#),
        ("no hub", #""role": "hub""#, #""role": "host""#),
    ]

    @Test("a mistake the schema can express is refused by both the loader and the schema",
          arguments: mistakes.map(\.0))
    func mistake(_ name: String) throws {
        let (_, old, new) = try #require(Self.mistakes.first { $0.0 == name })
        let text = try Self.example(replacing: old, with: new)
        let evaluator = SchemaEvaluator(root: try Self.schema().value)
        #expect(!evaluator.problems(try JSONParser.parse(Array(text.utf8))).isEmpty, "the schema accepts: \(name)")
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("broken.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(InventoryLoader.load(path: path).inventory == nil, "the loader accepts: \(name)")
    }

    @Test("the schema allows exactly the loader's top-level keys")
    func topLevelKeys() throws {
        #expect(Self.properties(of: try Self.schema().value) == InventoryShape.root.keys)
    }
}
