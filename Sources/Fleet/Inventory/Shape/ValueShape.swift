/// What one value of the inventory may be: the loader reads the value by it, and
/// ``InventorySchema`` writes the JSON schema for editors from it, so the two cannot drift.
///
/// Cross-value rules (the address plan, one hub, unique names) are not shapes: the loader checks
/// them in code and the schema leaves them out, as its description says.
indirect enum ValueShape: Sendable {
    /// A string of the given characters, with a pattern when ``TextShape/pattern`` is set.
    case text(TextShape)
    /// An integer literal inside a range.
    case integer(IntegerShape)
    /// `true` or `false`.
    case boolean
    /// One of a fixed set of strings; `what` names it in messages ("DHCP backend").
    case choice([String], what: String)
    /// One fixed string, with what it means.
    case constant(String, meaning: String)
    /// A strict dotted-quad IPv4 address (``IPv4Address``).
    case ipv4
    /// An IPv4 network in CIDR notation with host bits zero and room for hosts (``IPv4Network``).
    case ipv4Network
    /// An object with known keys.
    case object(ObjectShape)
    /// An array.
    case array(ArrayShape)
    /// Exactly one of several shapes.
    case oneOf([ValueShape])
    /// At least one of several shapes.
    case anyOf([ValueShape])
    /// A shape with a name: the schema writes it once under `$defs` and refers to it.
    case named(String, ValueShape)

    /// The shape itself, through any ``named(_:_:)``.
    var resolved: ValueShape {
        if case .named(_, let shape) = self { return shape.resolved }
        return self
    }
}

/// A string value: the characters it may hold and, for most, a pattern it must match whole.
struct TextShape: Sendable {
    /// The characters allowed before the pattern is tried.
    var kind: ValidationContext.TextKind = .line
    /// The whole-value pattern (unanchored), or nil for any text of ``kind``.
    var pattern: String?
    /// What the value is, for "is not a valid …".
    var what = ""
    /// The pattern in words, for "expected …".
    var rule = ""
    /// A pattern the value must not contain anywhere: for what the regular expression says badly
    /// (a path's `..` component); the loader's words for it are the rule type's refusal.
    var refused: String?
    /// What is expected instead of an empty string, when an empty one is refused.
    var nonEmpty: String?
    /// The longest value allowed in UTF-8 bytes, and what it is.
    var maximumBytes: (count: Int, what: String)?

    /// Text of a kind with no pattern.
    static func free(_ kind: ValidationContext.TextKind = .line, nonEmpty: String? = nil) -> TextShape {
        TextShape(kind: kind, nonEmpty: nonEmpty)
    }

    /// A pattern with its words.
    static func matching(_ pattern: String, what: String, rule: String) -> TextShape {
        TextShape(pattern: pattern, what: what, rule: rule)
    }

    /// The pattern of an ``InventoryRule`` type, the one the type's initialiser enforces.
    static func rule<Rule: InventoryRule>(_ type: Rule.Type) -> TextShape {
        TextShape(pattern: Rule.pattern, what: Rule.what, rule: Rule.rule, refused: Rule.refusedPattern)
    }
}

/// An integer range and its words: "a VLAN id from 1 to 4094".
struct IntegerShape: Sendable {
    /// The allowed values.
    var range: ClosedRange<Int>
    /// The whole expectation, for "expected …, found 5000".
    var expected: String
}

/// An array and the shape of its elements.
struct ArrayShape: Sendable {
    /// Every element's shape.
    var items: ValueShape
    /// What is expected instead of an empty array, when an empty one is refused:
    /// "at least one device".
    var nonEmpty: String?
    /// Whether an element may not repeat.
    var unique = false
    /// For an array of objects: exactly one element has this key with this value (one hub).
    var exactlyOne: (key: String, value: String)?
}
