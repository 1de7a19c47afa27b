extension HostRun {
    /// The second batch, the last of the run: apply then verify each step that needs it,
    /// stopping at the first failure.
    func apply(_ indices: [Int], of steps: [Step], session: any Session, outcomes: Locked<[Int: StepResult]>, execs: inout Int) async throws {
        let tasks = indices.flatMap { index -> [RemoteTask] in
            let step = steps[index]
            let timeout = step.timeout ?? executor.options.stepTimeout
            return [RemoteTask(stepId: step.id, phase: .apply, script: step.apply, timeout: timeout),
                    RemoteTask(stepId: step.id, phase: .verify, script: step.verifyScript, timeout: timeout)]
        }
        let owner = indices.flatMap { [$0, $0] }
        let applyMillis = Locked<[Int: Int]>([:])
        let batch = Batch(tasks: tasks, stopOnFailure: true, isLast: true)
        _ = try await runBatch(batch, session: session, steps: steps, stepIndex: { owner[$0] }, outcomes: outcomes, execs: &execs) { result in
            let index = owner[result.index]
            let step = steps[index]
            let phase = tasks[result.index].phase
            if phase == .apply {
                if result.succeeded {
                    applyMillis.mutate { $0[index] = result.milliseconds }
                    return nil
                }
                let why = result.timedOut ? "apply timed out\n" : "apply failed (exit \(result.status))\n"
                return StepResult(stepId: step.id, title: step.title, status: .failed, evidence: why + evidence(result),
                                  milliseconds: result.milliseconds, failedPhase: .apply, timedOut: result.timedOut)
            }
            let total = (applyMillis.value[index] ?? 0) + result.milliseconds
            if result.succeeded {
                return StepResult(stepId: step.id, title: step.title, status: .changed, milliseconds: total)
            }
            let why = result.timedOut ? "post-check timed out\n" : "applied, but the post-check still fails:\n"
            return StepResult(stepId: step.id, title: step.title, status: .failed, evidence: why + evidence(result),
                              milliseconds: total, failedPhase: .verify, timedOut: result.timedOut)
        }
    }

    /// Runs one batch in one exec, logging it and turning task results into step outcomes as
    /// they stream in.
    /// - Parameter decide: the step outcome a task result settles, or nil when it settles none.
    func runBatch(
        _ batch: Batch, session: any Session, steps: [Step], stepIndex: @escaping @Sendable (Int) -> Int,
        outcomes: Locked<[Int: StepResult]>, execs: inout Int,
        decide: @escaping @Sendable (TaskResult) -> StepResult?
    ) async throws -> [TaskResult] {
        let phase: Phase = batch.tasks.first?.phase == .apply ? .apply : .check
        executor.reporter.report(.phaseStarted(host: host, phase: phase, steps: Set(batch.tasks.map(\.stepId)).count))
        executor.log?.batch(host: host, batch, steps: steps, redact: redact)
        execs += 1
        let reporter = executor.reporter
        let log = executor.log
        let host = self.host
        let redact = self.redact
        let tasks = batch.tasks
        return try await session.run(batch) { event in
            switch event {
            case .started(let taskIndex):
                let step = steps[stepIndex(taskIndex)]
                reporter.report(.stepStarted(host: host, stepId: step.id, title: step.title, phase: tasks[taskIndex].phase))
            case .finished(let result):
                log?.result(host: host, tasks[result.index], result, redact: redact)
                guard var outcome = decide(result) else { return }
                outcome.evidence = redact(outcome.evidence)
                outcomes.mutate { $0[stepIndex(result.index)] = outcome }
                reporter.report(.stepFinished(host: host, result: outcome))
            }
        }
    }

    /// A step's evidence: what its snippet printed, stdout then stderr.
    func evidence(_ result: TaskResult) -> String {
        [result.stdout, result.stderr].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }.joined(separator: "\n")
    }
}

import Foundation
