/// A strict RFC 8259 JSON parser producing ``JSONValue``.
///
/// fleet has its own parser, rather than `JSONSerialization`, so that a syntax error can be shown
/// with a line and column, member order and duplicate keys survive, and nesting is bounded (a
/// megabyte of `[` must be an error, not a stack overflow).
struct JSONParser {
    /// A syntax error at a byte offset.
    struct SyntaxError: Error, Sendable, Equatable {
        /// Byte offset of the problem in the input.
        var offset: Int
        /// What was wrong, e.g. "expected `,` or `}` after an object member, found `]`".
        var message: String
    }

    /// The end of a truncated object.
    private static let inObject = "inside an object (missing `}`)"

    /// Deepest nesting accepted; an inventory needs about five levels.
    static let maximumDepth = 64

    /// The input; `position` indexes it.
    let bytes: [UInt8]
    /// Offset of the next byte to read.
    var position = 0
    /// Containers currently open.
    private var depth = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses one JSON value that must span the whole input (a UTF-8 byte-order mark is skipped).
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.position = 3 }
        if let bad = firstInvalidUTF8Offset(bytes) {
            throw SyntaxError(offset: bad, message: "the file is not valid UTF-8")
        }
        parser.skipWhitespace()
        guard parser.position < bytes.count else {
            throw SyntaxError(offset: parser.position, message: "the file is empty; expected a JSON object")
        }
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.failure("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    /// 1-based line and column (in characters) of a byte offset, for messages.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
                column += 1
            }
        }
        return (line, column)
    }

    // MARK: - Values

    private mutating func parseValue() throws(SyntaxError) -> JSONValue {
        guard position < bytes.count else { throw failure("unexpected end of file; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: throw failure("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func parseObject() throws(SyntaxError) -> JSONValue {
        try enterContainer()
        position += 1
        var members: [JSONMember] = []
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw failure(atEnd: Self.inObject, else: "expected a string key, found \(describeCurrent())")
            }
            let key = try parseString()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else {
                throw failure(atEnd: Self.inObject,
                              else: "expected `:` after key \"\(key)\", found \(describeCurrent())")
            }
            position += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try parseValue()))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
            } else if peek(UInt8(ascii: "}")) {
                position += 1
                depth -= 1
                return .object(members)
            } else {
                throw failure(atEnd: Self.inObject,
                              else: "expected `,` or `}` after an object member, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray() throws(SyntaxError) -> JSONValue {
        try enterContainer()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of file inside an array (missing `]`)") }
            elements.append(try parseValue())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
            } else if peek(UInt8(ascii: "]")) {
                position += 1
                depth -= 1
                return .array(elements)
            } else {
                throw failure(atEnd: "inside an array (missing `]`)",
                              else: "expected `,` or `]` after an array element, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseNumber() throws(SyntaxError) -> String {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        if peek(UInt8(ascii: "0")) {
            position += 1
        } else if !skipDigits() {
            throw failure("expected a digit in a number, found \(describeCurrent())")
        }
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard skipDigits() else {
                throw failure("expected a digit after `.` in a number, found \(describeCurrent())")
            }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard skipDigits() else {
                throw failure("expected a digit in a number's exponent, found \(describeCurrent())")
            }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func expectLiteral(_ word: String) throws(SyntaxError) {
        let expected = Array(word.utf8)
        guard bytes[position...].starts(with: expected) else {
            throw failure("expected a value, found \(describeCurrent())")
        }
        position += expected.count
    }

    // MARK: - Helpers

    private mutating func enterContainer() throws(SyntaxError) {
        depth += 1
        if depth > JSONParser.maximumDepth {
            throw failure("nesting is deeper than \(JSONParser.maximumDepth) levels")
        }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    /// Skips a run of digits; false when there was none.
    private mutating func skipDigits() -> Bool {
        let start = position
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        while position < bytes.count, digits.contains(bytes[position]) { position += 1 }
        return position > start
    }

    private func peek(_ byte: UInt8) -> Bool { position < bytes.count && bytes[position] == byte }

    /// "`]`", "the letter `x`", "end of file": what sits at the current position.
    func describeCurrent() -> String {
        guard position < bytes.count else { return "end of file" }
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
        if byte == 0x0A { return "a line break" }
        if byte == 0x20 { return "a space" }
        return byte < 0x80 ? "control character U+\(hex(byte))" : "a non-ASCII character"
    }

    func failure(_ message: String) -> SyntaxError { SyntaxError(offset: position, message: message) }

    /// A failure that reads "unexpected end of file …" when the input ran out (a truncated file).
    func failure(atEnd context: String, else message: String) -> SyntaxError {
        position < bytes.count ? failure(message) : failure("unexpected end of file \(context)")
    }

    func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    private static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
