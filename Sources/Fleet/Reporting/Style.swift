/// Terminal styling, or none (pipes, `NO_COLOR`).
public struct Style: Sendable, Equatable {
    /// Whether ANSI colours are used.
    public var color: Bool

    /// Creates a style.
    public init(color: Bool) { self.color = color }

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func green(_ text: String) -> String { paint(text, "32") }
    func yellow(_ text: String) -> String { paint(text, "33") }
    func red(_ text: String) -> String { paint(text, "1;31") }
    func dim(_ text: String) -> String { paint(text, "2") }
    func bold(_ text: String) -> String { paint(text, "1") }
}
