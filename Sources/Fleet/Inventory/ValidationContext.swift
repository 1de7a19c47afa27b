/// The state of one validation run: where the diagnostics go.
///
/// A class, not a struct, because every ``ObjectReader`` of the run reports into the same list;
/// it is used by one loader call on one thread and never shared, so it need not be `Sendable`.
final class ValidationContext {
    /// The inventory file named in every diagnostic.
    let file: String
    /// Everything found so far, in the order found.
    private(set) var diagnostics: [Diagnostic] = []

    /// Creates a context for one file.
    init(file: String) { self.file = file }

    /// True once any error (not a warning) has been reported.
    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Reports an error.
    func error(_ path: JSONPath, _ message: String) {
        diagnostics.append(Diagnostic(.error, file: file, path: path.description, message: message))
    }

    /// Reports a warning.
    func warning(_ path: JSONPath, _ message: String) {
        diagnostics.append(Diagnostic(.warning, file: file, path: path.description, message: message))
    }


    /// A user-supplied value as it may appear in a message: JSON-quoted so that control characters
    /// and quotes are visible and cannot garble the terminal, cut to a readable length, and never
    /// echoing something that looks like a Tailscale auth key.
    static func shown(_ text: String) -> String {
        if looksLikeAuthKey(text) { return "(a value that looks like a Tailscale auth key, not shown)" }
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 60 {
                result += "…"
                break
            }
            count += 1
            if let escape = JSONValue.escaped(scalar) { result += escape } else { result.unicodeScalars.append(scalar) }
        }
        return result + "\""
    }

    /// True for text that contains a Tailscale auth key (`tskey-auth-…`, `tskey-client-…`).
    static func looksLikeAuthKey(_ text: String) -> Bool { text.lowercased().contains("tskey-") }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
