import Foundation

/// Building blocks for step snippets, so that primitives and playbooks assemble shell text the
/// same audited way.
///
/// Values reach a snippet in exactly two forms: a variable assignment whose value went through
/// ``ShellQuote/quote(_:)`` (``assign(_:_:)``), or file content carried as base64 in a quoted
/// here-document (``contentFunction(_:_:)``), whose alphabet cannot end the here-document or be
/// expanded by the shell. Everything else in a snippet is fixed text that refers to those variables.
public enum Snippet {
    /// `name=<quoted value>`: the way an inventory value becomes a shell variable.
    /// - Parameters:
    ///   - name: a shell identifier chosen by the caller (code, never a value).
    ///   - value: any text; it is quoted.
    public static func assign(_ name: String, _ value: String) -> String {
        precondition(isIdentifier(name), "not a shell identifier: \(name)")
        return "\(name)=\(ShellQuote.quote(value))"
    }

    /// A shell function named `name` that prints `content` byte for byte.
    ///
    /// The content travels as base64 inside a quoted here-document, so trailing newlines, quotes,
    /// `$(…)` and backslashes arrive exactly; the end marker contains `_`, which base64 never does.
    public static func contentFunction(_ name: String, _ content: String) -> String {
        precondition(isIdentifier(name), "not a shell identifier: \(name)")
        let encoded = Data(content.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return """
            \(name)() {
            base64 -d <<'FLEET_B64'
            \(encoded)
            FLEET_B64
            }
            """
    }

    /// Runs each script in its own subshell and exits 0 only when all of them did.
    ///
    /// Every script runs even after one failed, so the evidence of all of them is printed: the
    /// shape a `check` needs. Subshells keep each script's variables, traps and `exit` to itself.
    public static func allOf(_ scripts: [String]) -> String {
        var text = "fleet_rc=0\n"
        for script in scripts {
            // Not `( … ) || …`: `set -e` inside a subshell is ignored on the left of `||`.
            text += "(\n\(script)\n)\n[ \"$?\" -eq 0 ] || fleet_rc=1\n"
        }
        return text + "exit \"$fleet_rc\""
    }

    /// Runs scripts in order, each in its own subshell, and stops at the first that fails with
    /// its exit status: the shape an `apply` or `undo` built from parts needs.
    public static func sequence(_ scripts: [String]) -> String {
        var text = ""
        for script in scripts {
            text += "(\n\(script)\n)\nfleet_rc=$?\n[ \"$fleet_rc\" -eq 0 ] || exit \"$fleet_rc\"\n"
        }
        return text + "exit 0"
    }

    /// A script that prints `message` on stderr and exits 1 (the message is quoted).
    public static func fail(_ message: String) -> String {
        "printf '%s\\n' \(ShellQuote.quote(message)) >&2\nexit 1"
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0)
            || ("0"..."9").contains($0) || $0 == "_" }
    }
}
