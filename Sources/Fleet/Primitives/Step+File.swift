extension Step {
    /// A file with exact content, mode and owner.
    ///
    /// - Check: compares the content (`cmp`), the mode and the owner (one
    ///   `stat -c '%a %U:%G'`). The evidence is a `diff -u` of the current file against the desired
    ///   content, labelled with the path, plus a line per mode or owner mismatch. A `sensitive`
    ///   file shows no content, only "content differs (sensitive, not shown)".
    /// - Apply: creates the parent directory if needed, writes a temporary file in the same
    ///   directory, sets mode and owner on it, then renames it over the path (atomic).
    /// - Undo: `rm -f`; undo-check: the path no longer exists.
    ///
    /// - Parameters:
    ///   - content: the exact bytes; it travels base64-encoded in the snippet, so any text and
    ///     any trailing newline arrive as given.
    ///   - mode: octal text such as `0644`.
    ///   - owner: `user:group` by name.
    ///   - sensitive: keep the content out of every output; it is also added to ``secrets``.
    public static func file(id: String, path: String, content: String, mode: String = "0644",
                            owner: String = "root:root", title: String? = nil, sensitive: Bool = false) -> Step {
        configFile(id: id, path: path, content: .literal(content), mode: mode, owner: owner, title: title,
                   sensitive: sensitive)
    }

    /// A configuration file that may be generated on the host, validated before it goes live,
    /// and restored to its original on teardown.
    ///
    /// Check and apply are those of ``file(id:path:content:mode:owner:title:sensitive:)``, with
    /// two additions:
    /// - `validate` runs against the candidate (its path is in `$candidate`, a temporary file in
    ///   the target's directory, so AppArmor profiles that confine a daemon to its own directory
    ///   still let it read the candidate). A candidate that fails never replaces the live file.
    /// - With `keepOriginal`, the first apply saves the file that was there as
    ///   `<path>.fleet-orig` (or, when there was none, leaves an empty `<path>.fleet-absent`
    ///   marker). Undo moves the original back or deletes the file fleet created; undo-check
    ///   passes once neither the backup nor the marker is left. Without `keepOriginal`, undo is
    ///   `rm -f`.
    public static func configFile(id: String, path: String, content: FileContent, mode: String = "0644",
                                  owner: String = "root:root", title: String? = nil, sensitive: Bool = false,
                                  validate: String? = nil, keepOriginal: Bool = false) -> Step {
        let script = FileScript(path: path, content: content, mode: mode, owner: owner, sensitive: sensitive,
                                validate: validate, keepOriginal: keepOriginal)
        var secrets: [String] = []
        if sensitive, case .literal(let text) = content { secrets = [text] }
        return Step(id: id, title: title ?? "file \(path)", check: script.check, apply: script.apply,
                    undo: script.undo, undoCheck: script.undoCheck, secrets: secrets)
    }
}
