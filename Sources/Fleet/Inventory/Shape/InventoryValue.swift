/// The rule of one kind of inventory value: its pattern (also the JSON schema's), what the value
/// is and the rule in words, for the loader's messages.
public protocol InventoryRule: Sendable {
    /// The rule as a regular expression that must match the whole value.
    static var pattern: String { get }
    /// What the value is: "interface name".
    static var what: String { get }
    /// The rule in words: "1 to 15 letters, …".
    static var rule: String { get }
    /// Why a text that matches ``pattern`` is still refused, or nil when it is not: for the part
    /// of a rule that a regular expression says badly (a path's `..` components).
    static func refusal(of text: String) -> String?
    /// The same refusal as a pattern found anywhere in the value, for the JSON schema's `not`.
    static var refusedPattern: String? { get }
    /// The value as fleet keeps it: a mode written `644` is `0644`.
    static func canonical(_ text: String) -> String
}

extension InventoryRule {
    /// Most rules are their pattern alone.
    public static func refusal(of text: String) -> String? { nil }
    /// Most rules refuse nothing a pattern allows.
    public static var refusedPattern: String? { nil }
    /// Most values are kept as written.
    public static func canonical(_ text: String) -> String { text }
}

/// A value from the inventory that can only hold what its ``InventoryRule`` allows.
///
/// The rule lives once, in the rule type; the one failable initialiser enforces it. The loader
/// makes these values and everything after it takes them as they are, so no later stage checks
/// the same thing again with a rule of its own.
public struct InventoryValue<Rule: InventoryRule>: Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral {
    /// The text, as the inventory spelled it.
    public let rawValue: String

    /// The value, or nil when `text` breaks the rule.
    ///
    /// `InterfaceName("literal")` is the literal initialiser (SE-0213), which traps on a bad
    /// literal; pass a variable to test a rule.
    public init?(_ text: String) {
        guard Self.accepts(text) else { return nil }
        rawValue = Rule.canonical(text)
    }

    /// A literal in fleet's own code or tests; one that breaks the rule is a programming error.
    public init(stringLiteral literal: String) {
        guard let value = Self(literal) else { preconditionFailure("\(literal) is not a valid \(Rule.what)") }
        self = value
    }

    public var description: String { rawValue }

    /// Whether `text` follows the rule: a whole match, scalar by scalar, by the loader's matcher,
    /// and no ``InventoryRule/refusal(of:)``.
    public static func accepts(_ text: String) -> Bool {
        InventoryPattern.matches(text, Rule.pattern) && Rule.refusal(of: text) == nil
    }

    /// ``InventoryRule/pattern``.
    public static var pattern: String { Rule.pattern }
    /// ``InventoryRule/what``.
    public static var what: String { Rule.what }
    /// ``InventoryRule/rule``.
    public static var rule: String { Rule.rule }
}
