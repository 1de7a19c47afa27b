extension Step {
    /// A step written directly in shell by the user (the inventory's extra steps).
    ///
    /// The snippets run as given: they are the user's own shell, deliberately not quoted or
    /// rewritten. `check` exits 0 when nothing is to be done and its output is the evidence;
    /// `apply` converges; `undo`, when given, removes the result, and `undoCheck` exits 0 when
    /// nothing is left (without one, teardown always runs `undo`).
    public static func command(id: String, title: String? = nil, check: String, apply: String, undo: String? = nil,
                               undoCheck: String? = nil) -> Step {
        Step(id: id, title: title ?? id, check: check, apply: apply, undo: undo, undoCheck: undoCheck)
    }
}
