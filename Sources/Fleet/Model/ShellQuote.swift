/// The one audited way a value becomes part of a remote shell command.
///
/// Every inventory value that reaches a remote shell goes through ``ShellQuote/quote(_:)``:
/// single quotes make the shell take the text literally, and an embedded `'` is closed, escaped
/// and reopened. Nothing else in fleet builds shell text from values by interpolation.
public enum ShellQuote {
    /// Quotes one word for POSIX `sh`. The empty string becomes `''`.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isSafe) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Quotes each word and joins them with spaces: a command line.
    public static func join(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }

    /// Characters that need no quoting in any POSIX shell context.
    static func isSafe(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/", ":", "=", "@", "%", "+", ",": true
        default: false
        }
    }
}
