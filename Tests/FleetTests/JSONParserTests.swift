import Testing

@testable import Fleet

@Suite("JSONParser")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    /// The error message with its line and column, as the loader shows it.
    func failure(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            let (line, column) = JSONParser.lineAndColumn(of: error.offset, in: bytes)
            return "\(line):\(column): \(error.message)"
        }
    }

    @Test("keeps member order, duplicates and number literals")
    func values() throws {
        let value = try parse(#"{"b": 1, "a": [true, null, -1.5e3], "b": "x\u00e9\ud83d\ude00\n"}"#)
        #expect(value == .object([
            JSONMember(key: "b", value: .number("1")),
            JSONMember(key: "a", value: .array([.bool(true), .null, .number("-1.5e3")])),
            JSONMember(key: "b", value: .string("xé😀\n")),
        ]))
    }

    @Test("integer literals are told from other numbers")
    func integers() {
        #expect(JSONValue.number("1000").integerLiteral == .some(1000))
        #expect(JSONValue.number("1000.0").integerLiteral == nil)
        #expect(JSONValue.number("1e3").integerLiteral == nil)
        #expect(JSONValue.number("99999999999999999999").integerLiteral == .some(nil))
        #expect(JSONValue.string("1").integerLiteral == nil)
    }

    @Test("syntax errors carry a line and column", arguments: [
        ("{\"a\": 1,\n \"b\" 2}", "2:6: expected `:` after key \"b\", found `2`"),
        ("{\"a\": [1, 2}", "1:12: expected `,` or `]` after an array element, found `}`"),
        ("{\"a\": [1, 2", "1:12: unexpected end of file inside an array (missing `]`)"),
        ("{\"a\": \"abc", "1:11: unexpected end of file inside a string (missing `\"`)"),
        ("{\"a\": 01}", "1:8: expected `,` or `}` after an object member, found `1`"),
        ("{\"a\": .5}", "1:7: expected a value, found `.`"),
        ("{\"a\": tru}", "1:7: expected a value, found `t`"),
        ("{\"a\": \"x\ty\"}", "1:9: control character U+0009 inside a string; write it as an escape such as `\\n`"),
        ("{\"a\": \"\\ud800\"}", "1:14: a high surrogate `\\ud800` must be followed by a low surrogate escape"),
        ("{} {}", "1:4: unexpected `{` after the end of the JSON value"),
        ("{\"é\": ?}", "1:7: expected a value, found `?`"),
        ("   ", "1:4: the file is empty; expected a JSON object"),
    ])
    func syntaxErrors(_ text: String, _ expected: String) {
        #expect(failure(text) == expected)
    }

    @Test("invalid UTF-8 is refused with its position")
    func invalidUTF8() {
        let bytes: [UInt8] = Array("{\"a\":\n \"".utf8) + [0xFF] + Array("\"}".utf8)
        #expect(throws: JSONParser.SyntaxError(offset: 8, message: "the file is not valid UTF-8")) {
            try JSONParser.parse(bytes)
        }
    }

    @Test("deep nesting is an error, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000)
        #expect(failure(text) == "1:65: nesting is deeper than 64 levels")
    }

    @Test("a byte-order mark is skipped")
    func byteOrderMark() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .object([]))
    }
}
