/// A location inside a JSON document, written the way the user reads it:
/// `devices[2].ssh.port`, `network.dhcpPool.start`, or the empty string for the document itself.
struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step down the tree.
    enum Component: Sendable, Hashable {
        /// An object member.
        case key(String)
        /// An array element.
        case index(Int)
    }

    /// The steps from the root.
    private(set) var components: [Component]

    /// The document itself.
    static let root = JSONPath(components: [])

    /// This path followed by an object member.
    func appending(_ key: String) -> JSONPath { JSONPath(components: components + [.key(key)]) }

    /// This path followed by an array element.
    func appending(index: Int) -> JSONPath { JSONPath(components: components + [.index(index)]) }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
