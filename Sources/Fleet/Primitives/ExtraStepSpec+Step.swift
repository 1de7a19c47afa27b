extension ExtraStepSpec {
    /// The step this inventory entry describes, built with the matching primitive.
    ///
    /// A `command` entry is the user's own shell, used as is; its undo, when given, always runs
    /// on teardown (there is no undo-check to say it is done).
    public var step: Step {
        switch kind {
        case .command(let check, let apply, let undo):
            return .command(id: id, title: title, check: check, apply: apply, undo: undo)
        case .file(let path, let content, let mode, let owner):
            return .file(id: id, path: path, content: content, mode: mode, owner: owner, title: title)
        case .line(let path, let line):
            return .line(id: id, path: path, line: line, title: title)
        case .directory(let path, let mode, let owner):
            return .directory(id: id, path: path, mode: mode, owner: owner, title: title)
        }
    }
}
