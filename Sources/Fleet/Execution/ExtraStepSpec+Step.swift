extension ExtraStepSpec {
    /// The step this spec describes. (TEMPORARY until the primitives land: command only.)
    public var step: Step {
        switch kind {
        case .command(let check, let apply, let undo):
            return Step(id: id, title: title, check: check, apply: apply, undo: undo)
        default:
            fatalError("primitives not merged yet")
        }
    }
}
