/// Steps built from other steps: each modifier returns a new step whose scripts are composed with
/// ``Snippet/allOf(_:)`` (checks: every part runs and prints its evidence) or
/// ``Snippet/sequence(_:)`` (apply and undo: in order, stopping at the first failure), so an
/// earlier script that exits early can never skip what was appended to it.
extension Step {
    /// The same step whose check also runs `script`; it passes only when both do. A step with its
    /// own verify script gets the addition there too.
    public func checkingAlso(_ script: String) -> Step {
        var step = self
        step.check = Snippet.allOf([check, script])
        if let verify { step.verify = Snippet.allOf([verify, script]) }
        return step
    }

    /// The same step whose undo runs `script` after its own undo succeeded.
    public func undoingAlso(_ script: String) -> Step {
        precondition(undo != nil, "step \(id) has no undo to extend")
        var step = self
        step.undo = Snippet.sequence([undo ?? "", script])
        return step
    }

    /// The same step without an undo: teardown leaves what it made (a service other software
    /// relies on, such as firewalld).
    public func keptAtTeardown() -> Step {
        var step = self
        step.undo = nil
        step.undoCheck = nil
        return step
    }
}
