import Foundation

/// The one error type of the library: what went wrong, where, and why.
public struct FleetError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// A closed but extensible set of error kinds.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The code in `--json` output: the name with `_` for spaces (`step_failed`).
        public var identifier: String { name.replacingOccurrences(of: " ", with: "_") }
        /// The inventory failed to load or validate.
        public static let inventoryInvalid = Code(name: "inventory invalid")
        /// The host could not be reached or authentication failed.
        public static let unreachable = Code(name: "unreachable")
        /// sudo refused to run without a password or a tty.
        public static let privilege = Code(name: "privilege")
        /// A step's apply or verify failed.
        public static let stepFailed = Code(name: "step failed")
        /// A step hit its time limit.
        public static let timeout = Code(name: "timeout")
        /// The remote side said something fleet does not understand.
        public static let protocolError = Code(name: "protocol error")
        /// A local process could not be started.
        public static let spawnFailed = Code(name: "spawn failed")
        /// The run was interrupted.
        public static let cancelled = Code(name: "cancelled")
        /// Bad command-line usage.
        public static let usage = Code(name: "usage")
        /// Something local (a file, a secret source) was not as expected.
        public static let local = Code(name: "local")
        /// The built-in playbook contradicts itself (a bug in fleet, not in the inventory).
        public static let playbookDefect = Code(name: "playbook defect")
    }

    /// The kind.
    public var code: Code
    /// What happened, for humans. Never contains a secret.
    public var message: String
    /// The device, when the error belongs to one.
    public var host: String?
    /// The step id, when the error belongs to one.
    public var step: String?
    /// The underlying error.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, host: String? = nil, step: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.host = host
        self.step = step
        self.cause = cause
    }

    public var description: String {
        var text = ""
        if let host { text += "\(host): " }
        if let step { text += "\(step): " }
        text += message
        if let cause { text += " (cause: \((cause as? any LocalizedError)?.errorDescription ?? String(describing: cause)))" }
        return text
    }

    public var errorDescription: String? { description }
}

extension FleetError: Equatable {
    /// Equal when code, message, host and step are; the cause is not compared (errors in general
    /// are not equatable).
    public static func == (lhs: FleetError, rhs: FleetError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.host == rhs.host && lhs.step == rhs.step
    }
}
