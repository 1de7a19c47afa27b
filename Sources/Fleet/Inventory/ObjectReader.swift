/// Reads the members of one JSON object at a known path, reporting unknown, duplicate, missing
/// and mistyped keys into a ``ValidationContext``.
///
/// Every accessor returns nil after reporting a problem, so a caller reads all its fields and
/// only then decides whether it has enough to build a value: that is how one run reports every
/// problem at once.
struct ObjectReader {
    /// Where the object sits.
    let path: JSONPath
    /// Its members in document order.
    let members: [JSONMember]
    /// Where problems go.
    let context: ValidationContext
    /// Allowed keys that an unknown key was taken for; their absence is not reported again.
    private let suggested: Set<String>

    /// Unknown keys reported one by one in an object; the rest are counted in one diagnostic.
    static let unknownKeysShown = 20

    /// Reads `value` as an object whose keys must come from `allowedKeys`.
    ///
    /// Returns nil, having reported it, when `value` is not an object. Unknown keys and keys
    /// given twice are reported here, once.
    init?(_ value: JSONValue, at path: JSONPath, allowedKeys: [String], context: ValidationContext) {
        guard case .object(let members) = value else {
            context.error(path, "expected an object, found \(value.kindDescription)")
            return nil
        }
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
        self.context = context
        self.suggested = suggested
    }

    /// The value of `key` (the first, if given twice), or nil when absent.
    func value(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    /// True when the key is present.
    func contains(_ key: String) -> Bool { value(key) != nil }

    /// The path of a member.
    func path(_ key: String) -> JSONPath { path.appending(key) }

    /// The value of a key that must be present; reports it missing otherwise.
    func required(_ key: String, because reason: String? = nil) -> JSONValue? {
        if let value = value(key) { return value }
        // An unknown key already said "did you mean `key`?"; saying "missing `key`" too is noise.
        if !suggested.contains(key) {
            context.error(path, "missing required key `\(key)`" + (reason.map { " (\($0))" } ?? ""))
        }
        return nil
    }

    // MARK: - Typed members (nil when absent or wrong; required ones report absence)

    /// A single-line (or, with `kind`, multi-line) string.
    func string(_ key: String, required isRequired: Bool = false,
                kind: ValidationContext.TextKind = .line) -> String? {
        member(key, isRequired) { context.string($0, at: $1, kind: kind) }
    }

    /// A string matching `pattern`; see ``ValidationContext/string(_:at:matching:what:rule:)``.
    func string(_ key: String, required isRequired: Bool = false, matching pattern: String, what: String,
                rule: String) -> String? {
        member(key, isRequired) { context.string($0, at: $1, matching: pattern, what: what, rule: rule) }
    }

    /// A string that follows `Rule`; see ``ValidationContext/value(_:at:as:)``.
    func value<Rule>(_ key: String, required isRequired: Bool = false,
                     as type: InventoryValue<Rule>.Type) -> InventoryValue<Rule>? {
        member(key, isRequired) { context.value($0, at: $1, as: type) }
    }

    /// One of a fixed set of strings.
    func choice(_ key: String, required isRequired: Bool = false, from choices: [String], what: String) -> String? {
        member(key, isRequired) { context.choice($0, at: $1, from: choices, what: what) }
    }

    /// An integer inside `range`.
    func integer(_ key: String, required isRequired: Bool = false, in range: ClosedRange<Int>,
                 expected: String) -> Int? {
        member(key, isRequired) { context.integer($0, at: $1, in: range, expected: expected) }
    }

    /// `true` or `false`.
    func bool(_ key: String) -> Bool? { member(key, false) { context.bool($0, at: $1) } }

    /// A strict IPv4 address.
    func ipv4(_ key: String, required isRequired: Bool = false) -> IPv4Address? {
        member(key, isRequired) { context.ipv4($0, at: $1) }
    }

    /// A nested object.
    func object(_ key: String, required isRequired: Bool = false, allowedKeys: [String]) -> ObjectReader? {
        member(key, isRequired) { ObjectReader($0, at: $1, allowedKeys: allowedKeys, context: context) }
    }

    /// A nested array's elements with their paths.
    func array(_ key: String, required isRequired: Bool = false) -> [(path: JSONPath, value: JSONValue)]? {
        member(key, isRequired) { context.array($0, at: $1) }
    }

    private func member<T>(_ key: String, _ isRequired: Bool, _ read: (JSONValue, JSONPath) -> T?) -> T? {
        guard let value = isRequired ? required(key) : value(key) else { return nil }
        return read(value, path(key))
    }
}
