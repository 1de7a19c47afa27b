/// How one step ended on one host.
public enum StepStatus: String, Sendable, Equatable, Codable, CaseIterable {
    /// Already as desired; nothing done.
    case ok
    /// Applied and verified.
    case changed
    /// Dry run: would be applied.
    case wouldChange = "would-change"
    /// Check: not as desired.
    case drift
    /// Apply or verify failed, or a check could not run.
    case failed
    /// Not run because an earlier step on the host failed or the run was interrupted.
    case skipped
}

/// The outcome of one step on one host.
public struct StepResult: Sendable, Equatable {
    /// The step id.
    public var stepId: String
    /// The step title.
    public var title: String
    /// How it ended.
    public var status: StepStatus
    /// What the host printed that explains the status (the check's evidence, apply's error).
    public var evidence: String
    /// Time spent on the host, milliseconds, all phases.
    public var milliseconds: Int
    /// The phase that decided a failure.
    public var failedPhase: Phase?
    /// Killed at its time-out.
    public var timedOut: Bool

    /// Creates a result.
    public init(stepId: String, title: String, status: StepStatus, evidence: String = "", milliseconds: Int = 0,
                failedPhase: Phase? = nil, timedOut: Bool = false) {
        self.stepId = stepId
        self.title = title
        self.status = status
        self.evidence = evidence
        self.milliseconds = milliseconds
        self.failedPhase = failedPhase
        self.timedOut = timedOut
    }
}

extension StepResult {
    /// The prefixes that mark a line of evidence as a warning: the step is as desired, but the
    /// operator should know something (an exposure, a pending approval).
    public static let warningPrefixes = ["WARNING: ", "NOTE: "]

    /// The lines of `output` that are warnings.
    public static func warnings(in output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            let text = String(line)
            return warningPrefixes.contains(where: text.hasPrefix) ? text : nil
        }
    }

    /// Lines of the evidence a step printed as warnings (shown even when the step is `ok`).
    public var warnings: [String] { Self.warnings(in: evidence) }
}

/// Everything that happened on one host.
public struct HostReport: Sendable, Equatable {
    /// The device name.
    public var host: String
    /// Step outcomes in plan order (for teardown, in undo order).
    public var steps: [StepResult]
    /// Why the run on this host ended early: `.unreachable` when the host could not be reached
    /// (or the connection dropped), another code when it ended abnormally (privilege, protocol,
    /// interrupted). Its message is already redacted.
    public var failure: FleetError?
    /// Wall time for the host, milliseconds.
    public var milliseconds: Int
    /// Remote execs used (the master connection not counted).
    public var execs: Int

    /// Creates a report.
    public init(host: String, steps: [StepResult] = [], failure: FleetError? = nil, milliseconds: Int = 0,
                execs: Int = 0) {
        self.host = host
        self.steps = steps
        self.failure = failure
        self.milliseconds = milliseconds
        self.execs = execs
    }

    /// The failure's message, after the step it belongs to (if any): what the report and the
    /// run log show.
    public var failureText: String? {
        failure.map { failure in failure.step.map { "\($0): \(failure.message)" } ?? failure.message }
    }

    /// ``failureText`` when the host was unreachable.
    public var unreachable: String? { failure?.code == .unreachable ? failureText : nil }

    /// ``failureText`` when the host was reached but the run on it ended abnormally.
    public var error: String? { failure?.code == .unreachable ? nil : failureText }

    /// Number of warning lines over all steps.
    public var warningCount: Int { steps.reduce(0) { $0 + $1.warnings.count } }

    /// Number of steps with `status`.
    public func count(_ status: StepStatus) -> Int { steps.filter { $0.status == status }.count }
}
