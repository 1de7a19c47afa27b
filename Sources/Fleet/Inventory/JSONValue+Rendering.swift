extension JSONValue {
    /// The value as JSON text, members in their order, two spaces per level: the form of
    /// `inventory/inventory.schema.json`. Non-ASCII text is written as it is; control
    /// characters, quotes and backslashes are escaped.
    func rendered(indent: Int = 0) -> String {
        let inner = String(repeating: "  ", count: indent + 1), outer = String(repeating: "  ", count: indent)
        switch self {
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let lines = members.map { "\(inner)\(Self.quoted($0.key)): \($0.value.rendered(indent: indent + 1))" }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(outer)}"
        case .array(let elements):
            guard !elements.isEmpty else { return "[]" }
            let lines = elements.map { inner + $0.rendered(indent: indent + 1) }
            return "[\n" + lines.joined(separator: ",\n") + "\n\(outer)]"
        case .string(let text): return Self.quoted(text)
        case .number(let literal): return literal
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        }
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            if let escape = escaped(scalar) { result += escape } else { result.unicodeScalars.append(scalar) }
        }
        return result + "\""
    }

    /// The JSON escape of a scalar that must not appear as it is in a quoted string shown to a
    /// person or written to a file (quotes, backslashes, line breaks, controls), or nil.
    static func escaped(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case _ where ValidationContext.isControl(scalar):
            let digits = String(scalar.value, radix: 16, uppercase: true)
            return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        default: return nil
        }
    }
}
