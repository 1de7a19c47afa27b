/// What a managed file should contain.
public enum FileContent: Sendable, Equatable {
    /// Exactly this text, byte for byte (it travels as base64 inside the snippet).
    case literal(String)
    /// Whatever this shell script prints on stdout, run on the host at check and at apply time.
    ///
    /// For content that depends on the host (its resolvers, its OS codename, the rest of a file
    /// fleet edits one line of). The script must not change the host and must exit non-zero,
    /// with a message on stderr, when it cannot render. Values in it must be quoted like in any
    /// other snippet.
    case generated(String)
}
