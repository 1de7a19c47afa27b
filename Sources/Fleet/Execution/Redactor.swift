/// Replaces secret values in any text before it reaches a terminal, a log or JSON.
public struct Redactor: Sendable, Equatable {
    /// What replaces a secret.
    public static let mask = "<redacted>"
    let secrets: [String]

    /// Creates a redactor for these values (empty and very short values are ignored: redacting
    /// "a" would shred every message while protecting nothing).
    public init(_ secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { $0.count >= 6 })).sorted { $0.count > $1.count }
    }

    /// `text` with every secret masked.
    public func callAsFunction(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: Redactor.mask) }
    }
}

import Foundation
