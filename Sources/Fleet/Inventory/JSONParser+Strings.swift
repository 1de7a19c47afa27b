extension JSONParser {
    /// Parses a string literal starting at its opening quote, decoding escapes.
    mutating func parseString() throws(SyntaxError) -> String {
        position += 1
        var buffer: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw failure("unexpected end of file inside a string (missing `\"`)")
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                // The whole input was checked to be UTF-8 before parsing, so this cannot repair anything.
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                appendUTF8(try parseEscape(), to: &buffer)
            case 0..<0x20:
                throw failure("control character U+\(hex(byte)) inside a string; write it as an escape such as `\\n`")
            default:
                buffer.append(byte)
                position += 1
            }
        }
    }

    /// Parses what follows a backslash; `position` is just past the backslash.
    private mutating func parseEscape() throws(SyntaxError) -> Unicode.Scalar {
        guard position < bytes.count else { throw failure("unexpected end of file inside a string (missing `\"`)") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"): return try parseUnicodeEscape()
        default:
            position -= 2  // point at the backslash, where the user's mistake starts
            throw failure("invalid escape `\\\(describeEscaped(byte))` in a string;"
                + " a literal backslash is written `\\\\`")
        }
    }

    /// Parses `XXXX` after `\u`, joining a UTF-16 surrogate pair when one follows.
    private mutating func parseUnicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
        let high = try parseHex4()
        if (0xD800...0xDBFF).contains(high) {
            guard bytes[position...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                let escape = "\\u\(String(high, radix: 16))"
                throw failure("a high surrogate `\(escape)` must be followed by a low surrogate escape")
            }
            position += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw failure("expected a low surrogate escape (`\\uDC00` to `\\uDFFF`) after a high surrogate")
            }
            let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            if let scalar = Unicode.Scalar(value) { return scalar }
        } else if let scalar = Unicode.Scalar(high) {
            return scalar
        }
        throw failure("unpaired surrogate escape `\\u\(String(high, radix: 16))` in a string")
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let digit = hexValue(bytes[position]) else {
                throw failure("expected four hexadecimal digits after `\\u`, found \(describeCurrent())")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private func describeEscaped(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : "U+\(hex(byte))"
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]) {
        UTF8.encode(scalar) { buffer.append($0) }
    }
}
