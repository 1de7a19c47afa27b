/// Reads the members of one JSON object at a known path by its ``ObjectShape``, reporting
/// unknown, duplicate, missing and mistyped keys into a ``ValidationContext``.
///
/// The shape decides which keys are allowed, which are required and what each value may be;
/// the accessors only name the key. Every accessor returns nil after reporting a problem, so a
/// caller reads all its fields and only then decides whether it has enough to build a value:
/// that is how one run reports every problem at once.
struct ObjectReader {
    /// Where the object sits.
    let path: JSONPath
    /// Its members in document order.
    let members: [JSONMember]
    /// What it may hold.
    let shape: ObjectShape
    /// Where problems go.
    let context: ValidationContext
    /// Allowed keys that an unknown key was taken for; their absence is not reported again.
    private let suggested: Set<String>

    /// Unknown keys reported one by one in an object; the rest are counted in one diagnostic.
    static let unknownKeysShown = 20

    /// Reads `value` as an object of `shape`.
    ///
    /// Returns nil, having reported it, when `value` is not an object. Unknown keys and keys
    /// given twice are reported here, once.
    init?(_ value: JSONValue, at path: JSONPath, shape: ObjectShape, context: ValidationContext) {
        guard case .object(let members) = value else {
            context.error(path, "expected an object, found \(value.kindDescription)")
            return nil
        }
        let allowedKeys = shape.keys
        var seen: Set<String> = []
        var suggested: Set<String> = []
        var unknownCount = 0
        for member in members {
            if !seen.insert(member.key).inserted, allowedKeys.contains(member.key) {
                context.error(path.appending(member.key), "duplicate key; each key may appear only once in an object")
            }
            guard !allowedKeys.contains(member.key) else { continue }
            unknownCount += 1
            // Past a screenful, more lines of the same kind help nobody (and a megabyte of junk
            // keys would take seconds to spell-check): they are summed up once below.
            guard unknownCount <= Self.unknownKeysShown else { continue }
            let suggestion = KeySuggestion.suggestion(for: member.key, among: allowedKeys)
            if let suggestion { suggested.insert(suggestion) }
            let message = KeySuggestion.message(forUnknown: member.key, among: allowedKeys, suggestion: suggestion)
            context.error(path, message)
        }
        if unknownCount > Self.unknownKeysShown {
            context.error(path, "\(unknownCount - Self.unknownKeysShown) more unknown keys")
        }
        self.path = path
        self.members = members
        self.shape = shape
        self.context = context
        self.suggested = suggested
    }

    /// The value of `key` (the first, if given twice), or nil when absent.
    func value(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    /// True when the key is present.
    func contains(_ key: String) -> Bool { value(key) != nil }

    /// The path of a member.
    func path(_ key: String) -> JSONPath { path.appending(key) }

    /// The value of a key that must be present here; reports it missing otherwise, with the
    /// shape's reason when the requirement has one.
    func required(_ key: String) -> JSONValue? {
        if let value = value(key) { return value }
        // An unknown key already said "did you mean `key`?"; saying "missing `key`" too is noise.
        if !suggested.contains(key) {
            var reason = ""
            if case .forLiquidMetal(let because) = shape[key].requirement { reason = " (\(because))" }
            context.error(path, "missing required key `\(key)`\(reason)")
        }
        return nil
    }

    // MARK: - Typed members, by the shape (nil when absent or wrong; required ones report absence)

    /// A string of the shape's characters that matches its pattern, if it has one.
    func string(_ key: String) -> String? {
        guard case .text(let text) = shape[key].shape.resolved else { mismatch(key, "text") }
        return member(key) { context.text($0, at: $1, shape: text) }
    }

    /// A string that follows `Rule`, as a typed value; the shape must hold `Rule`'s pattern.
    func value<Rule>(_ key: String, as type: InventoryValue<Rule>.Type) -> InventoryValue<Rule>? {
        guard case .text(let text) = shape[key].shape.resolved, text.pattern == Rule.pattern else {
            mismatch(key, Rule.what)
        }
        return member(key) { context.value($0, at: $1, as: type) }
    }

    /// Like ``value(_:as:)``, but the shape's default when the key is absent.
    func valueOrDefault<Rule>(_ key: String, as type: InventoryValue<Rule>.Type) -> InventoryValue<Rule>? {
        guard !contains(key) else { return value(key, as: type) }
        guard case .string(let text)? = shape[key].defaultValue, let value = InventoryValue<Rule>(text) else {
            preconditionFailure("`\(key)` has no default \(Rule.what) in InventoryShape")
        }
        return value
    }

    /// One of the shape's choices.
    func choice(_ key: String) -> String? {
        guard case .choice(let choices, let what) = shape[key].shape.resolved else { mismatch(key, "choice") }
        return member(key) { context.choice($0, at: $1, from: choices, what: what) }
    }

    /// An integer inside the shape's range.
    func integer(_ key: String) -> Int? {
        guard case .integer(let integer) = shape[key].shape.resolved else { mismatch(key, "integer") }
        return member(key) { context.integer($0, at: $1, in: integer.range, expected: integer.expected) }
    }

    /// `true` or `false`.
    func bool(_ key: String) -> Bool? {
        guard case .boolean = shape[key].shape.resolved else { mismatch(key, "boolean") }
        return member(key) { context.bool($0, at: $1) }
    }

    /// A strict IPv4 address.
    func ipv4(_ key: String) -> IPv4Address? {
        guard case .ipv4 = shape[key].shape.resolved else { mismatch(key, "IPv4 address") }
        return member(key) { context.ipv4($0, at: $1) }
    }

    /// A nested object, read by its own shape.
    func object(_ key: String) -> ObjectReader? {
        guard case .object(let nested) = shape[key].shape.resolved else { mismatch(key, "object") }
        return member(key) { ObjectReader($0, at: $1, shape: nested, context: context) }
    }

    /// A nested array's elements with their paths; an empty one is refused when the shape says so.
    func array(_ key: String) -> [(path: JSONPath, value: JSONValue)]? {
        guard case .array(let array) = shape[key].shape.resolved else { mismatch(key, "array") }
        return member(key) { context.array($0, at: $1, shape: array) }
    }

    private func member<T>(_ key: String, _ read: (JSONValue, JSONPath) -> T?) -> T? {
        guard let value = shape[key].requirement == .required ? required(key) : value(key) else { return nil }
        return read(value, path(key))
    }

    /// A read that disagrees with the shape is a slip in fleet's code, not in the inventory.
    private func mismatch(_ key: String, _ kind: String) -> Never {
        preconditionFailure("`\(key)` is read as \(kind), which its shape in InventoryShape is not")
    }
}
