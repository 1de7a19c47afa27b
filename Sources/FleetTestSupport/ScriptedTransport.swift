import Fleet

/// A fake transport for tests: a model of hosts as sets of facts, plus scripted results.
///
/// A task's result comes from, in order: a scripted result for its host, step and phase; the
/// fake language (`fake:has X`, `fake:lacks X`, `fake:set X`, `fake:unset X`, `fake:hang`,
/// `fake:fail N message`, several joined by `;`); otherwise checks/verifies succeed when the
/// step id is a fact of the host and applies succeed and add it. Every batch is recorded.
public final class ScriptedTransport: Transport, @unchecked Sendable {
    /// One batch sent to one host.
    public struct Call: Sendable, Equatable {
        /// The device name.
        public var host: String
        /// The batch.
        public var batch: Batch
    }

    private struct Key: Hashable { let host: String?, step: String, phase: Phase }
    private let state: Locked<[String: Set<String>]>
    private let scripted = Locked<[Key: TaskResult]>([:])
    private let down = Locked<Set<String>>([])
    private let recorded = Locked<[Call]>([])

    /// Creates a fake whose hosts start with these facts.
    public init(facts: [String: Set<String>] = [:]) { state = Locked(facts) }

    /// Makes a host refuse connections.
    public func makeUnreachable(_ host: String) { down.mutate { _ = $0.insert(host) } }

    /// Scripts the result of a step's phase on one host (or every host when `host` is nil).
    public func script(host: String? = nil, step: String, phase: Phase, status: Int32, stdout: String = "",
                       stderr: String = "", timedOut: Bool = false) {
        scripted.mutate {
            $0[Key(host: host, step: step, phase: phase)] = TaskResult(
                index: 0, status: status, stdout: stdout, stderr: stderr, timedOut: timedOut)
        }
    }

    /// Every batch so far, in the order they ran.
    public var calls: [Call] { recorded.value }
    /// The facts a host has now.
    public func facts(of host: String) -> Set<String> { state.value[host] ?? [] }
    /// Sets a fact by hand (drift, in tests).
    public func setFact(_ fact: String, on host: String, present: Bool) {
        state.mutate { if present { $0[host, default: []].insert(fact) } else { $0[host, default: []].remove(fact) } }
    }

    public func connect(to device: Device) async throws -> any Session {
        if down.value.contains(device.name) {
            throw FleetError(.unreachable, "ssh: connect to host \(device.address) port 22: Connection refused",
                             host: device.name)
        }
        return ScriptedSession(host: device.name, transport: self)
    }

    func run(_ batch: Batch, host: String, onEvent: @Sendable (BatchEvent) -> Void) async throws -> [TaskResult] {
        recorded.mutate { $0.append(Call(host: host, batch: batch)) }
        var results: [TaskResult] = []
        for (index, task) in batch.tasks.enumerated() {
            try Task.checkCancellation()
            onEvent(.started(index))
            var result = outcome(of: task, on: host)
            result.index = index
            results.append(result)
            onEvent(.finished(result))
            if batch.stopOnFailure && !result.succeeded { break }
        }
        return results
    }

    private func outcome(of task: RemoteTask, on host: String) -> TaskResult {
        let table = scripted.value
        if let result = table[Key(host: host, step: task.stepId, phase: task.phase)]
            ?? table[Key(host: nil, step: task.stepId, phase: task.phase)] {
            return result
        }
        let commands = task.script.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        if commands.allSatisfy({ $0.hasPrefix("fake:") }) {
            for command in commands {
                let words = command.dropFirst(5).split(separator: " ", maxSplits: 2).map(String.init)
                let fact = words.count > 1 ? words[1] : ""
                let has = facts(of: host).contains(fact)
                switch words.first {
                case "has" where !has: return TaskResult(index: 0, status: 1, stdout: "\(fact): missing")
                case "lacks" where has: return TaskResult(index: 0, status: 1, stdout: "\(fact): present")
                case "set": setFact(fact, on: host, present: true)
                case "unset": setFact(fact, on: host, present: false)
                case "hang": return TaskResult(index: 0, status: 124, timedOut: true)
                case "fail": return TaskResult(index: 0, status: Int32(fact) ?? 1, stderr: words.count > 2 ? words[2] : "")
                default: break
                }
            }
            return TaskResult(index: 0, status: 0)
        }
        switch task.phase {
        case .check, .verify:
            return TaskResult(index: 0, status: facts(of: host).contains(task.stepId) ? 0 : 1)
        case .apply:
            setFact(task.stepId, on: host, present: true)
            return TaskResult(index: 0, status: 0)
        }
    }
}

struct ScriptedSession: Session {
    let host: String
    let transport: ScriptedTransport

    func run(_ batch: Batch, onEvent: @escaping @Sendable (BatchEvent) -> Void) async throws -> [TaskResult] {
        try await transport.run(batch, host: host, onEvent: onEvent)
    }

    func close() async {}
}

extension Step {
    /// A step in the fake language: present when the host has the fact `id`.
    public static func fake(_ id: String, title: String? = nil, notifiedBy: [String] = []) -> Step {
        Step(id: id, title: title ?? id, check: "fake:has \(id)", apply: "fake:set \(id)",
             undo: "fake:unset \(id)", undoCheck: "fake:lacks \(id)", notifiedBy: notifiedBy)
    }
}
