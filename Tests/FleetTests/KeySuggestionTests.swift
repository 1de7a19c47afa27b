import Foundation
import Testing

@testable import Fleet

@Suite("KeySuggestion")
struct KeySuggestionTests {
    @Test("edit distance")
    func levenshtein() {
        #expect(KeySuggestion.levenshtein("vlanID", "vlanId") == 1)
        #expect(KeySuggestion.levenshtein("", "abc") == 3)
        #expect(KeySuggestion.levenshtein("kitten", "sitting") == 3)
        #expect(KeySuggestion.levenshtein("same", "same") == 0)
    }

    @Test("suggestions: case first, then the nearest within three edits, never a far-fetched one")
    func suggestions() {
        let keys = InventoryShape.root.keys
        #expect(KeySuggestion.suggestion(for: "NETWORK", among: keys) == "network")
        #expect(KeySuggestion.suggestion(for: "devics", among: keys) == "devices")
        #expect(KeySuggestion.suggestion(for: "tailscal", among: keys) == "tailscale")
        #expect(KeySuggestion.suggestion(for: "hosts", among: keys) == nil)
        #expect(KeySuggestion.suggestion(for: "id", among: ["ssh", "role"]) == nil)
    }

    @Test("past twenty unknown keys in one object, the rest are counted in one line")
    func unknownKeyFlood() {
        let members = (0..<25).map { "\"junk\($0)\": 1" }.joined(separator: ", ")
        let diagnostics = InventoryLoader.parse(Data("{\"playbook\": \"none\", \(members)}".utf8), source: "f.json").diagnostics
        #expect(diagnostics.count == 22)  // 20 unknown keys, the summary, and the missing `devices`
        #expect(diagnostics[20].description == "f.json: 5 more unknown keys")
        #expect(diagnostics[21].description == "f.json: missing required key `devices`")
    }
}
