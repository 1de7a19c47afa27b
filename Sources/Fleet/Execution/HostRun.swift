/// One host's part of a run: connect, one exec of checks, one exec of applies+verifies, close.
struct HostRun: Sendable {
    let plan: Plan.HostPlan
    let executor: Executor
    let redact: Redactor

    var host: String { plan.device.name }
    var mode: RunMode { executor.options.mode }

    /// The steps in the order this mode runs them (teardown: reversed and inverted).
    var steps: [Step] {
        mode == .teardown ? plan.steps.reversed().compactMap { $0.inverted() } : plan.steps
    }

    func run() async -> HostReport {
        let started = ContinuousClock.now
        let steps = self.steps
        let outcomes = Locked<[Int: StepResult]>([:])
        var report = HostReport(host: host)
        func finish() -> HostReport {
            let known = outcomes.value
            report.steps = steps.indices.map { index in
                known[index] ?? StepResult(stepId: steps[index].id, title: steps[index].title, status: .skipped,
                                           evidence: report.unreachable == nil && report.error == nil ? "" : "not run")
            }
            report.milliseconds = Executor.milliseconds(since: started)
            return report
        }
        executor.reporter.report(.connecting(host: host))
        let session: any Session
        do {
            session = try await executor.transport.connect(to: plan.device)
        } catch {
            record(error, in: &report)
            return finish()
        }
        do {
            try await converge(steps, session: session, outcomes: outcomes, execs: &report.execs)
        } catch {
            record(error, in: &report)
        }
        await session.close()
        return finish()
    }

    /// Keeps the error in the report as a ``FleetError`` with its message redacted; its cause is
    /// left out, since only the message went through the redactor.
    private func record(_ error: any Error, in report: inout HostReport) {
        let fleetError = error as? FleetError
        report.failure = FleetError(fleetError?.code ?? .local, redact(fleetError?.message ?? String(describing: error)),
                                    host: host, step: fleetError?.step)
        executor.log?.write(host: host, "error: \(report.failureText ?? "")")
    }

    func converge(_ steps: [Step], session: any Session, outcomes: Locked<[Int: StepResult]>,
                          execs: inout Int) async throws {
        guard !steps.isEmpty else { return }
        let firstPhase: Phase = mode == .check ? .verify : .check
        let checks = steps.map { step in
            RemoteTask(stepId: step.id, phase: firstPhase, script: mode == .check ? step.verifyScript : step.check,
                       timeout: step.timeout ?? executor.options.stepTimeout)
        }
        // Only a run that changes hosts can send a second batch (the applies).
        let batch = Batch(tasks: checks, stopOnFailure: false, isLast: !mode.changesHosts)
        let probes = try await runBatch(batch, session: session, steps: steps, stepIndex: { $0 }, outcomes: outcomes, execs: &execs) { result in
            let step = steps[result.index]
            if result.timedOut {
                return StepResult(stepId: step.id, title: step.title, status: .failed, evidence: "check timed out",
                                  milliseconds: result.milliseconds, failedPhase: firstPhase, timedOut: true)
            }
            if result.succeeded {
                // A passing check's output is not shown, but its warnings are (see StepResult.warnings).
                let warnings = StepResult.warnings(in: evidence(result)).joined(separator: "\n")
                return StepResult(stepId: step.id, title: step.title, status: .ok, evidence: warnings,
                                  milliseconds: result.milliseconds)
            }
            switch mode {
            case .dryRun: return StepResult(stepId: step.id, title: step.title, status: .wouldChange,
                                            evidence: evidence(result), milliseconds: result.milliseconds)
            case .check: return StepResult(stepId: step.id, title: step.title, status: .drift,
                                           evidence: evidence(result), milliseconds: result.milliseconds)
            case .up, .teardown: return nil  // decided by the apply phase
            }
        }
        var checkResults: [Int: TaskResult] = [:]
        for result in probes { checkResults[result.index] = result }
        var toApply: [Int] = []
        var changing = Set<String>()
        for (index, step) in steps.enumerated() {
            guard let probe = checkResults[index], !probe.timedOut else { continue }
            let notified = step.notifiedBy.first { changing.contains($0) }
            guard !probe.succeeded || notified != nil else { continue }
            toApply.append(index)
            changing.insert(step.id)
            if probe.succeeded, let notified {
                let result = StepResult(stepId: step.id, title: step.title,
                                        status: mode == .dryRun ? .wouldChange : .ok,
                                        evidence: "runs again because `\(notified)` changes")
                outcomes.mutate { $0[index] = result }
                if mode == .dryRun { executor.reporter.report(.stepFinished(host: host, result: result)) }
            }
        }
        guard mode.changesHosts, !toApply.isEmpty else { return }
        try await apply(toApply, of: steps, session: session, outcomes: outcomes, execs: &execs)
    }
}
