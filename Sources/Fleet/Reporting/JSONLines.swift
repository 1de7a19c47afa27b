import Foundation

/// The `--json` output: one JSON object per line per event, keys sorted, stable field names.
public enum JSONLines {
    /// The line for an event (without the newline), or nil for events not exposed in JSON.
    public static func line(for event: RunEvent) -> String? {
        switch event {
        case .runStarted(let mode, let hosts):
            return encode(Record(event: "run_started", mode: mode.rawValue, hosts: hosts))
        case .connecting(let host):
            return encode(Record(event: "connecting", host: host))
        case .phaseStarted(let host, let phase, let steps):
            return encode(Record(event: "phase_started", host: host, phase: phase.rawValue, steps: steps))
        case .stepStarted(let host, let stepId, _, let phase):
            return encode(Record(event: "step_started", host: host, phase: phase.rawValue, step: stepId))
        case .stepFinished(let host, let result):
            return encode(stepRecord(host: host, result))
        case .hostFinished(let report):
            return encode(hostRecord(report))
        case .runFinished(let recap):
            var record = Record(event: "recap", mode: recap.mode.rawValue)
            record.exitCode = recap.exitCode
            record.interrupted = recap.interrupted
            record.ms = recap.milliseconds
            record.summary = recap.hosts.map(hostRecord)
            return encode(record)
        }
    }

    static func stepRecord(host: String, _ result: StepResult) -> Record {
        var record = Record(event: "step_finished", host: host, step: result.stepId)
        record.title = result.title
        record.status = result.status.rawValue
        record.evidence = result.evidence.isEmpty ? nil : result.evidence
        let warnings = result.warnings
        record.warnings = warnings.isEmpty ? nil : warnings
        record.ms = result.milliseconds
        record.failedPhase = result.failedPhase?.rawValue
        record.timedOut = result.timedOut ? true : nil
        return record
    }

    static func hostRecord(_ report: HostReport) -> Record {
        var record = Record(event: "host_finished", host: report.host)
        var counts: [String: Int] = [:]
        for status in StepStatus.allCases { counts[status.rawValue] = report.count(status) }
        record.counts = counts
        record.unreachable = report.unreachable
        record.error = report.error
        record.errorCode = report.failure?.code.identifier
        record.ms = report.milliseconds
        record.execs = report.execs
        return record
    }

    static func encode(_ record: Record) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(record) else { return "{\"event\":\"encoding_error\"}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The union of all event fields; nil fields are left out of the JSON.
    struct Record: Encodable {
        var event: String
        var mode: String?
        var hosts: [String]?
        var host: String?
        var phase: String?
        var steps: Int?
        var step: String?
        var title: String?
        var status: String?
        var evidence: String?
        var warnings: [String]?
        var ms: Int?
        var failedPhase: String?
        var timedOut: Bool?
        var counts: [String: Int]?
        var unreachable: String?
        var error: String?
        var errorCode: String?
        var execs: Int?
        var exitCode: Int32?
        var interrupted: Bool?
        var summary: [Record]?

        init(event: String, mode: String? = nil, hosts: [String]? = nil, host: String? = nil, phase: String? = nil,
             steps: Int? = nil, step: String? = nil) {
            self.event = event
            self.mode = mode
            self.hosts = hosts
            self.host = host
            self.phase = phase
            self.steps = steps
            self.step = step
        }

        enum CodingKeys: String, CodingKey {
            case event, mode, hosts, host, phase, steps, step, title, status, evidence, warnings, ms, counts, unreachable, error
            case execs, interrupted, summary
            case failedPhase = "failed_phase", timedOut = "timed_out", exitCode = "exit_code", errorCode = "error_code"
        }
    }
}
