extension ExtraStepSpec {
    /// The step this inventory entry describes, built with the matching primitive.
    ///
    /// A `command` entry is the user's own shell, used as is; its undo, when given, always runs
    /// on teardown (there is no undo-check to say it is done).
    public var step: Step { step(managedEntries: []) }

    /// The step, with `managedEntries` passed on when it is a directory.
    func step(managedEntries: [String]) -> Step {
        let id = id.rawValue
        switch kind {
        case .command(let check, let apply, let undo):
            return .command(id: id, title: title, check: check, apply: apply, undo: undo)
        case .file(let path, let content, let mode, let owner):
            return .file(id: id, path: path.rawValue, content: content, mode: mode.rawValue, owner: owner.rawValue,
                         title: title)
        case .line(let path, let line):
            return .line(id: id, path: path.rawValue, line: line, title: title)
        case .directory(let path, let mode, let owner):
            return .directory(id: id, path: path.rawValue, mode: mode.rawValue, owner: owner.rawValue, title: title,
                              managedEntries: managedEntries)
        }
    }

    /// The steps of one device's entries, in order.
    ///
    /// A directory entry counts as managed the files that *later* kept entries put directly in
    /// it: teardown undoes those first, but checks every step before undoing any, so without
    /// this the directory would look in use and survive until a second teardown. Only `file`
    /// entries count, because their undo always removes the file; and only entries this run
    /// keeps, because a skipped file stays, and its directory must then be kept rather than fail.
    /// - Parameter keeps: whether the run keeps the entry with this id (`--only`, `--skip`).
    public static func steps(_ entries: [ExtraStepSpec], keeping keeps: (String) -> Bool = { _ in true }) -> [Step] {
        func components(_ path: AbsolutePath) -> [Substring] { path.rawValue.split(separator: "/").filter { $0 != "." } }
        return entries.indices.map { index in
            guard case .directory(let directory, _, _) = entries[index].kind else { return entries[index].step }
            let managed = entries[(index + 1)...].compactMap { later -> String? in
                guard keeps(later.id.rawValue), case .file(let path, _, _, _) = later.kind else { return nil }
                let parts = components(path)
                return parts.dropLast().elementsEqual(components(directory)) ? parts.last.map(String.init) : nil
            }
            return entries[index].step(managedEntries: managed)
        }
    }
}
