/// One idempotent unit of configuration on one host.
///
/// A step is declarative: shell snippets that run on the host, not Swift code. That is what lets
/// the executor ship the checks of *every* step to a host in one remote exec, and the needed
/// applies in one more, so the SSH cost does not grow with the number of steps.
///
/// Contract for the snippets (all run as root under `/bin/sh`, stdin at `/dev/null`):
/// - `check` must not change the host; exit 0 means the desired state is there. Any other exit
///   means it is not, and whatever the snippet printed is the evidence shown to the user.
/// - `apply` converges; non-zero exit fails the step.
/// - `verify` runs right after `apply` and in `fleet check`; it defaults to `check`.
/// - `undo` removes what the step made (teardown); `undoCheck` exits 0 when there is nothing left
///   to remove. A step without `undo` is left alone by teardown.
public struct Step: Sendable, Equatable {
    /// Stable kebab-case id used in output, `--only`/`--skip` and the run log (`vlan-link`).
    public var id: String
    /// One line for humans.
    public var title: String
    /// Read-only probe: exit 0 when nothing is to be done.
    public var check: String
    /// Converges the host.
    public var apply: String
    /// Post-condition; nil means `check`.
    public var verify: String?
    /// Removes what the step made; nil means teardown leaves it.
    public var undo: String?
    /// Exit 0 when nothing is left to undo; nil with a non-nil `undo` means "always run undo".
    public var undoCheck: String?
    /// Per-phase time limit; nil means the run's default.
    public var timeout: Duration?
    /// Ids of earlier steps whose change forces this step to apply even when its check passes
    /// (a service restart after its config file changed).
    public var notifiedBy: [String]
    /// Values that must never be shown: they are redacted from every output and log.
    public var secrets: [String]

    /// Creates a step.
    public init(id: String, title: String, check: String, apply: String, verify: String? = nil,
                undo: String? = nil, undoCheck: String? = nil, timeout: Duration? = nil,
                notifiedBy: [String] = [], secrets: [String] = []) {
        self.id = id
        self.title = title
        self.check = check
        self.apply = apply
        self.verify = verify
        self.undo = undo
        self.undoCheck = undoCheck
        self.timeout = timeout
        self.notifiedBy = notifiedBy
        self.secrets = secrets
    }

    /// The effective post-condition.
    public var verifyScript: String { verify ?? check }

    /// The step teardown runs: check "already gone", apply the undo, verify it is gone.
    /// Nil when the step has no undo.
    public func inverted() -> Step? {
        guard let undo else { return nil }
        let gone = undoCheck ?? "false"
        return Step(id: id, title: "remove: \(title)", check: gone, apply: undo,
                    verify: undoCheck ?? "true", timeout: timeout, secrets: secrets)
    }
}
