/// Typed reads of single JSON values. Each returns nil after reporting what was wrong, so callers
/// can carry on and find the next problem instead of stopping at the first.
extension ValidationContext {
    /// Which characters a string may hold.
    enum TextKind {
        /// One line: no control characters and no line breaks (names, paths, titles).
        case line
        /// Free text that may span lines (file content, user shell commands): only NUL is refused,
        /// because neither a file written through the shell nor `sh -c` can carry it.
        case multiline
    }

    /// A string, checked for the characters `kind` forbids.
    func string(_ value: JSONValue, at path: JSONPath, kind: TextKind = .line) -> String? {
        guard case .string(let text) = value else {
            error(path, "expected a string, found \(value.kindDescription)")
            return nil
        }
        if text.unicodeScalars.contains("\0") {
            error(path, "contains a NUL character (\\u0000), which no file or command can carry")
            return nil
        }
        guard kind == .line else { return text }
        if text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            error(path, "\(ValidationContext.shown(text)) contains a line break; expected a single line")
            return nil
        }
        if let control = text.unicodeScalars.first(where: ValidationContext.isControl) {
            let digits = String(control.value, radix: 16, uppercase: true)
            let code = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            error(path, "\(ValidationContext.shown(text)) contains the control character U+\(code);"
                + " expected printable text")
            return nil
        }
        return text
    }

    /// A string as `shape` allows it: its characters, not empty or too long where it says so,
    /// and matching its pattern in full.
    func text(_ value: JSONValue, at path: JSONPath, shape: TextShape) -> String? {
        guard let text = string(value, at: path, kind: shape.kind) else { return nil }
        if let nonEmpty = shape.nonEmpty, text.isEmpty {
            error(path, "expected \(nonEmpty), found an empty string")
            return nil
        }
        if let maximum = shape.maximumBytes, text.utf8.count > maximum.count {
            error(path, "is \(text.utf8.count) bytes long; expected \(maximum.what) of at most \(maximum.count) bytes")
            return nil
        }
        if let pattern = shape.pattern, !InventoryPattern.matches(text, pattern) {
            invalid(text, at: path, what: shape.what, rule: shape.rule)
            return nil
        }
        return text
    }

    private func invalid(_ text: String, at path: JSONPath, what: String, rule: String) {
        error(path, "\(ValidationContext.shown(text)) is not a valid \(what); expected \(rule)")
    }

    /// A string that follows `Rule`, as a typed value; the message names what it is and the rule.
    /// The type's own initialiser judges it, so the rule is applied once, by the type.
    func value<Rule>(_ json: JSONValue, at path: JSONPath, as type: InventoryValue<Rule>.Type) -> InventoryValue<Rule>? {
        guard let text = string(json, at: path) else { return nil }
        guard let value = InventoryValue<Rule>(text) else {
            if InventoryPattern.matches(text, Rule.pattern), let refusal = Rule.refusal(of: text) {
                error(path, "\(ValidationContext.shown(text)) \(refusal)")
            } else {
                invalid(text, at: path, what: Rule.what, rule: Rule.rule)
            }
            return nil
        }
        return value
    }

    /// One of a fixed set of strings.
    func choice(_ value: JSONValue, at path: JSONPath, from choices: [String], what: String) -> String? {
        guard let text = string(value, at: path) else { return nil }
        guard choices.contains(text) else {
            error(path, "unknown \(what) \(ValidationContext.shown(text)); expected \(ValidationContext.list(choices))")
            return nil
        }
        return text
    }

    /// An integer literal inside `range`.
    ///
    /// - Parameter expected: the whole expectation, "a VLAN id from 1 to 4094".
    func integer(_ value: JSONValue, at path: JSONPath, in range: ClosedRange<Int>, expected: String) -> Int? {
        guard case .number(let literal) = value else {
            error(path, "expected an integer, found \(value.kindDescription)")
            return nil
        }
        guard let parsed = value.integerLiteral else {
            error(path, "expected an integer, found \(literal)")
            return nil
        }
        guard let number = parsed, range.contains(number) else {
            error(path, "expected \(expected), found \(literal)")
            return nil
        }
        return number
    }

    /// `true` or `false`.
    func bool(_ value: JSONValue, at path: JSONPath) -> Bool? {
        guard case .bool(let flag) = value else {
            error(path, "expected true or false, found \(value.kindDescription)")
            return nil
        }
        return flag
    }

    /// A strict dotted-quad IPv4 address.
    func ipv4(_ value: JSONValue, at path: JSONPath) -> IPv4Address? {
        guard let text = string(value, at: path) else { return nil }
        if let address = IPv4Address(text) { return address }
        if let mapped = InventoryPattern.ipv4MappedSuffix(text) {
            error(path, "\(ValidationContext.shown(text)) is an IPv4-mapped IPv6 address;"
                + " write the plain IPv4 address \(mapped)")
        } else {
            error(path, "\(ValidationContext.shown(text)) is not a valid IPv4 address;"
                + " expected four decimal numbers from 0 to 255 without leading zeros, such as 192.168.10.2")
        }
        return nil
    }

    /// The elements of an array, each with its path; an empty one is refused when `shape` says so.
    func array(_ value: JSONValue, at path: JSONPath, shape: ArrayShape) -> [(path: JSONPath, value: JSONValue)]? {
        guard let elements = array(value, at: path) else { return nil }
        if let nonEmpty = shape.nonEmpty, elements.isEmpty {
            error(path, "expected \(nonEmpty), found an empty array")
            return nil
        }
        return elements
    }

    /// The elements of an array, each with its path.
    func array(_ value: JSONValue, at path: JSONPath) -> [(path: JSONPath, value: JSONValue)]? {
        guard case .array(let elements) = value else {
            error(path, "expected an array, found \(value.kindDescription)")
            return nil
        }
        return elements.enumerated().map { (path.appending(index: $0.offset), $0.element) }
    }

    /// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
    static func list(_ choices: [String]) -> String {
        let quoted = choices.map { "\"\($0)\"" }
        guard let last = quoted.last else { return "" }
        return quoted.count == 1 ? last : quoted.dropLast().joined(separator: ", ") + " or " + last
    }
}
