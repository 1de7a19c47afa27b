/// A decoded JSON document that keeps what `JSONSerialization` loses: member order, duplicate
/// keys and the literal text of numbers.
///
/// The inventory validator needs all three. Member order makes the diagnostics come out in
/// document order; duplicate keys are an error rather than "last one wins"; and the number
/// literal tells `1000` from `1000.5` and `true` from `1` without `NSNumber` guessing.
enum JSONValue: Sendable, Equatable {
    /// An object, members in document order (duplicates kept).
    case object([JSONMember])
    /// An array.
    case array([JSONValue])
    /// A string, escapes already decoded.
    case string(String)
    /// A number, kept as its literal text (`1000`, `-1.5e3`).
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// "a string", "an object", …: the kind of value, for "expected X, found Y" messages.
    var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// The integer this value holds, when it is a number literal without fraction or exponent.
    ///
    /// The outer optional is nil for anything that is not an integer literal; the inner one is
    /// nil for an integer literal too large for `Int`, so callers can say "out of range" for it.
    var integerLiteral: Int?? {
        guard case .number(let text) = self,
            !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        else { return nil }
        return .some(Int(text))
    }
}

/// One `"key": value` pair of a JSON object.
struct JSONMember: Sendable, Equatable {
    /// The key, escapes decoded.
    var key: String
    /// The value.
    var value: JSONValue
}
