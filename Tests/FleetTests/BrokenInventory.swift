import Testing

@testable import Fleet

/// One broken inventory and the exact diagnostics it must produce.
struct BrokenInventory: Sendable, CustomTestStringConvertible {
    /// What the case is about.
    var name: String
    /// Replacements applied to ``InventoryFixture/text``; ignored when `text` is set.
    var replacements: [(String, String)]
    /// A whole document instead of a variant.
    var text: String?
    /// `Diagnostic.description` of every diagnostic, in order.
    var expected: [String]

    init(_ name: String, _ replacements: [(String, String)], _ expected: [String]) {
        self.name = name
        self.replacements = replacements
        self.expected = expected.map { "\(InventoryFixture.file): \($0)" }
    }

    init(_ name: String, text: String, _ expected: [String]) {
        self.init(name, [], expected)
        self.text = text
    }

    var testDescription: String { name }

    /// Parses the case and compares the diagnostics, and checks that no inventory came back.
    func check() throws {
        let document = try text ?? InventoryFixture.variant(replacements)
        let result = InventoryFixture.parse(document)
        #expect(result.diagnostics.map(\.description) == expected)
        #expect(result.inventory == nil)
    }
}
