/// Opens sessions to devices. The seam between the executor and the network: the real one is
/// ``SSHTransport``; tests use `ScriptedTransport` from FleetTestSupport.
public protocol Transport: Sendable {
    /// Connects to a device, ready to run batches.
    /// - Throws: ``FleetError`` with code `.unreachable` when the device cannot be reached or
    ///   authentication fails.
    func connect(to device: Device) async throws -> any Session
}

/// A live connection to one device.
public protocol Session: Sendable {
    /// Runs the batch's tasks in order in **one** remote exec and reports each as it ends.
    /// A task exiting non-zero is data in its ``TaskResult``, not a thrown error.
    /// - Throws: ``FleetError`` `.unreachable` when the connection drops, `.privilege` when
    ///   sudo refuses, `.cancelled` when the calling task is cancelled.
    func run(_ batch: Batch, onEvent: @escaping @Sendable (BatchEvent) -> Void) async throws -> [TaskResult]
    /// Closes the connection. Safe to call more than once.
    func close() async
}

/// What a phase of a step is doing.
public enum Phase: String, Sendable, Equatable, Codable {
    case check, apply, verify
}

/// One snippet to run on the host as part of a ``Batch``.
public struct RemoteTask: Sendable, Equatable {
    /// The step it belongs to.
    public var stepId: String
    /// Which phase of the step.
    public var phase: Phase
    /// Shell text, run by `/bin/sh` as root.
    public var script: String
    /// Killed (with its whole process group) after this long.
    public var timeout: Duration

    /// Creates a task.
    public init(stepId: String, phase: Phase, script: String, timeout: Duration) {
        self.stepId = stepId
        self.phase = phase
        self.script = script
        self.timeout = timeout
    }
}

/// Tasks that run on one host in one remote exec.
public struct Batch: Sendable, Equatable {
    /// In order.
    public var tasks: [RemoteTask]
    /// Stop at the first task that exits non-zero (applies); checks run all tasks.
    public var stopOnFailure: Bool
    /// No batch follows on this host's connection (a `check`, a dry run, an `up`'s applies): the program may end
    /// its session at `done`, which spares the round trip of fleet's EOF and the exit after it.
    public var isLast: Bool

    /// No task applies anything (checks and verifies only): what one task reads of the host's
    /// state holds for the next, so the program offers them a shared place for readings
    /// (`FLEET_READS`, see ``RemoteProgram``).
    public var changesNothing: Bool { !tasks.contains { $0.phase == .apply } }

    /// Creates a batch.
    public init(tasks: [RemoteTask], stopOnFailure: Bool, isLast: Bool = false) {
        self.tasks = tasks
        self.stopOnFailure = stopOnFailure
        self.isLast = isLast
    }
}

/// Progress from a running batch.
public enum BatchEvent: Sendable, Equatable {
    /// Task at this index started.
    case started(Int)
    /// Task ended.
    case finished(TaskResult)
}

/// How one remote task ended.
public struct TaskResult: Sendable, Equatable {
    /// Index into the batch's tasks.
    public var index: Int
    /// Exit status of the snippet (124 after a time-out, as coreutils `timeout` reports it).
    public var status: Int32
    /// What it printed on stdout.
    public var stdout: String
    /// What it printed on stderr.
    public var stderr: String
    /// Wall time on the host, in milliseconds.
    public var milliseconds: Int
    /// Killed at its time-out.
    public var timedOut: Bool

    /// Creates a result.
    public init(index: Int, status: Int32, stdout: String = "", stderr: String = "", milliseconds: Int = 0,
                timedOut: Bool = false) {
        self.index = index
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.milliseconds = milliseconds
        self.timedOut = timedOut
    }

    /// Exit 0.
    public var succeeded: Bool { status == 0 && !timedOut }
}
