import Foundation

/// One line of the remote program's event stream (see ``RemoteProgram``).
public enum ProgramEvent: Sendable, Equatable {
    /// The program runs as root with this pid.
    case hello(pid: Int)
    /// Task `index` started.
    case started(Int)
    /// Task ended.
    case finished(TaskResult)
    /// All tasks the program meant to run have run.
    case done
    /// The program could not run at all (`not-root`, `mktemp`).
    case fatal(String)

    /// Parses one line; nil for lines that are not events of this run (wrong nonce, noise).
    public static func parse(_ line: Substring, nonce: String) -> ProgramEvent? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 2, fields[0] == nonce else { return nil }
        switch fields[1] {
        case "hello" where fields.count == 3:
            return Int(fields[2]).map { .hello(pid: $0) }
        case "start" where fields.count == 3:
            return Int(fields[2]).map { .started($0) }
        case "end" where fields.count == 6:
            // No time on the wire: ``ProgramEventStream`` measures it on arrival (on the host it
            // cost two `date` processes per step), and with it decides time-outs.
            guard let index = Int(fields[2]), let status = Int32(fields[3]) else { return nil }
            return .finished(TaskResult(index: index, status: status, stdout: decode(fields[4]),
                                        stderr: decode(fields[5])))
        case "done":
            return .done
        case "fatal":
            return .fatal(fields.dropFirst(2).joined(separator: " "))
        default:
            return nil
        }
    }

    static func decode(_ field: Substring) -> String {
        guard field != "-", let data = Data(base64Encoded: String(field)) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Splits a byte stream into lines and turns them into ``ProgramEvent``s as they arrive.
/// Thread-safe: chunks come from the pipe poll thread while the caller reads the results.
public final class ProgramEventStream: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    /// Bytes of `buffer` already known to hold no newline: a 4 MB event line arrives in many
    /// chunks, and rescanning it from the start each time would be quadratic.
    private var scanned = 0
    private var events: [ProgramEvent] = []
    private var noise = Data()
    private let nonce: String
    private let handler: @Sendable (ProgramEvent) -> Void

    private let timeouts: [Duration]
    private var started: [Int: ContinuousClock.Instant] = [:]

    /// Creates a stream that calls `handler` for each event, in order. `timeouts` (per task
    /// index) decide whether a task that ended by `timeout`'s exit status (124, or 137 after the
    /// KILL) ran out of time or merely exited with that status itself.
    public init(nonce: String, timeouts: [Duration] = [], handler: @escaping @Sendable (ProgramEvent) -> Void) {
        self.nonce = nonce
        self.timeouts = timeouts
        self.handler = handler
    }

    /// Fills in a result's time (and time-out) from when its `start` event arrived.
    private func timed(_ event: ProgramEvent, now: ContinuousClock.Instant) -> ProgramEvent {
        switch event {
        case .started(let index):
            started[index] = now
            return event
        case .finished(var result):
            let elapsed = started[result.index].map { now - $0 } ?? .zero
            let (seconds, atto) = elapsed.components
            // At least 1 ms: a step's start and end can arrive in one read, and a step that ran
            // (a `timeout` and a shell were started) never took no time.
            result.milliseconds = max(1, Int(seconds) * 1000 + Int(atto / 1_000_000_000_000_000))
            if (result.status == 124 || result.status == 137), timeouts.indices.contains(result.index) {
                result.timedOut = elapsed >= timeouts[result.index]
            }
            return .finished(result)
        default:
            return event
        }
    }

    /// Feeds a chunk of stdout.
    public func feed(_ chunk: Data) {
        var parsed: [ProgramEvent] = []
        lock.lock()
        buffer.append(chunk)
        while let newline = buffer[(buffer.startIndex + scanned)...].firstIndex(of: 0x0A) {
            let line = buffer[buffer.startIndex..<newline]
            buffer = Data(buffer[(newline + 1)...])
            scanned = 0
            let text = String(decoding: line, as: UTF8.self)
            if let event = ProgramEvent.parse(text[...], nonce: nonce) {
                parsed.append(timed(event, now: .now))
            } else if noise.count < 65536 {
                noise.append(line)
                noise.append(0x0A)
            }
        }
        scanned = buffer.count
        events.append(contentsOf: parsed)
        lock.unlock()
        parsed.forEach(handler)
    }

    /// Every event seen so far.
    public var received: [ProgramEvent] { lock.withLock { events } }
    /// Stdout lines that were not events (a chatty login shell, a broken program).
    public var unparsed: String { lock.withLock { String(decoding: noise + buffer, as: UTF8.self) } }
}
