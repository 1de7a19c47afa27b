import Foundation

/// Runs a ``Plan``: hosts concurrently (bounded), steps on one host in order, with two remote
/// execs per host at most — every check in one, the needed applies and verifies in the next.
public struct Executor: Sendable {
    let transport: any Transport
    let options: RunOptions
    let reporter: any Reporter
    let log: RunLog?

    /// Creates an executor.
    public init(transport: any Transport, options: RunOptions, reporter: any Reporter, log: RunLog? = nil) {
        self.transport = transport
        self.options = options
        self.reporter = reporter
        self.log = log
    }

    /// Runs the plan and returns the recap (also reported as `.runFinished`). Never throws:
    /// every failure is recorded against its host; cancellation ends the run with
    /// `interrupted` set once every host has stopped and its connections are closed.
    public func run(_ plan: Plan) async -> Recap {
        let started = ContinuousClock.now
        let redact = Redactor(plan.secrets)
        reporter.report(.runStarted(mode: options.mode, hosts: plan.hosts.map(\.device.name)))
        var reports: [String: HostReport] = [:]
        await withTaskGroup(of: HostReport.self) { group in
            var pending = plan.hosts[...]
            func startNext() {
                guard let next = pending.popFirst() else { return }
                group.addTask { await HostRun(plan: next, executor: self, redact: redact).run() }
            }
            for _ in 0..<min(options.parallel, plan.hosts.count) { startNext() }
            for await report in group {
                reports[report.host] = report
                reporter.report(.hostFinished(report))
                if !Task.isCancelled { startNext() }
            }
        }
        let interrupted = Task.isCancelled
        let ordered = plan.hosts.map { host in
            reports[host.device.name] ?? HostReport(host: host.device.name,
                                                      failure: FleetError(.cancelled, "not started: interrupted",
                                                                          host: host.device.name))
        }
        let recap = Recap(mode: options.mode, hosts: ordered, interrupted: interrupted,
                          milliseconds: Self.milliseconds(since: started))
        reporter.report(.runFinished(recap))
        return recap
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
