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

    @Test("every pattern the loader enforces appears in the schema")
    func patterns() throws {
        let text = try Self.schema().text
        for pattern in InventoryPattern.all {
            let anchored = pattern.contains("|") ? "^(\(pattern))$" : "^\(pattern)$"
            let escaped = anchored.replacingOccurrences(of: "\\", with: "\\\\")
            #expect(text.contains("\"\(escaped)\""), "\(anchored) is missing from the schema")
        }
    }

    @Test("the schema allows exactly the loader's top-level keys")
    func topLevelKeys() throws {
        #expect(Self.properties(of: try Self.schema().value) == InventoryValidator.topLevelKeys)
    }
}
