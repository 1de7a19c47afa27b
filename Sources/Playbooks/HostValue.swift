import Fleet

/// A value of a rendered file that only the host knows (its upstream resolvers, the interface of
/// its default route): the file is rendered with a marker, and the host prints the text around
/// it with the value its script computes in between, whenever the file is checked or written
/// (so a dry run's diff shows what would be used).
struct HostValue {
    /// Stands for the value in the rendered text.
    var marker: String
    /// Shell that sets `$variable`, or exits non-zero with a message on stderr.
    var script: String
    /// The variable the script sets.
    var variable: String

    /// The file content: `text` as it is when it has no marker, else generated on the host.
    func content(_ text: String) -> FileContent {
        guard let range = text.range(of: marker) else { return .literal(text) }
        return .generated("""
            \(Snippet.contentFunction("before", String(text[..<range.lowerBound])))
            \(Snippet.contentFunction("after", String(text[range.upperBound...])))
            \(script)
            before
            printf '%s' "$\(variable)"
            after
            """)
    }
}
