/// One problem found in an inventory, located by file and JSON key path.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// How bad it is.
    public enum Severity: String, Sendable, Equatable {
        case error, warning
    }
    /// Error or warning.
    public var severity: Severity
    /// The inventory file.
    public var file: String
    /// JSON key path such as `devices[2].vlanAddress`; empty for the document itself.
    public var path: String
    /// What is wrong and what was expected.
    public var message: String

    /// Creates a diagnostic.
    public init(_ severity: Severity = .error, file: String, path: String, message: String) {
        self.severity = severity
        self.file = file
        self.path = path
        self.message = message
    }

    /// Where: `FILE: PATH: ` (or `FILE: ` for the file as a whole).
    public var location: String { path.isEmpty ? "\(file): " : "\(file): \(path): " }

    /// `inventory/demo.json: devices[2].vlanAddress: 192.168.10.200 is outside network.subnet 192.168.10.0/25`
    public var description: String {
        location + (severity == .warning ? "warning: " : "") + message
    }
}
