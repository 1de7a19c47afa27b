import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thread that moves the bytes of every child's pipes with `poll(2)`: reads stdout and
/// stderr, writes stdin, and is the only place those descriptors are closed.
///
/// Why not DispatchIO: with a few hundred ssh processes starting and ending, fleet crashed now
/// and then inside libdispatch's event loop (`_dispatch_event_loop_drain`, as reported upstream in
/// swift-corelibs-foundation #5507). Dispatch keys its registrations by descriptor number, and a
/// channel's cleanup handler closes the descriptor while the number may already be reused by the
/// next pipe. Here every pipe is known by a token, never by its number, and a descriptor is
/// closed on this thread only, after it left the poll set, so a reused number cannot be confused.
final class PipePoller: @unchecked Sendable {
    /// The process-wide poller (started on first use).
    static let shared = PipePoller()

    typealias Token = UInt64

    private enum Entry {
        case reader(fd: Int32, onData: @Sendable (Data) -> Void, onEnd: @Sendable () -> Void)
        case writer(fd: Int32, pending: Data, closeWhenDone: Bool)

        var fd: Int32 {
            switch self {
            case .reader(let fd, _, _), .writer(let fd, _, _): fd
            }
        }
    }

    private enum Command {
        case add(Token, Entry)
        case append(Token, Data)
        case close(Token)
    }

    private let lock = NSLock()
    private var commands: [Command] = []
    private var nextToken: Token = 1
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// Touched by the poll thread only.
    private var entries: [Token: Entry] = [:]

    private init() {
        // A write to a pipe whose reader is gone must be an EPIPE here, not fleet's death;
        // children get default dispositions back at spawn.
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { fatalError("PipePoller: pipe() failed: errno \(errno)") }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "fleet.pipe-poller"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Reads `fd` (which the poller now owns) until EOF or ``stop(_:)``; `onData` gets every
    /// chunk, then `onEnd` is called exactly once, after which the descriptor is closed.
    func watch(_ fd: Int32, onData: @escaping @Sendable (Data) -> Void, onEnd: @escaping @Sendable () -> Void) -> Token {
        submit(.reader(fd: fd, onData: onData, onEnd: onEnd))
    }

    /// Writes `data` to `fd` (which the poller now owns); closes it when done if `closeWhenDone`,
    /// or on ``stop(_:)``, or when the reader went away.
    func feed(_ fd: Int32, _ data: Data, closeWhenDone: Bool) -> Token {
        submit(.writer(fd: fd, pending: data, closeWhenDone: closeWhenDone))
    }

    /// Queues more bytes on a writer that is still open; ignored once it was closed.
    func append(_ token: Token, _ data: Data) {
        lock.withLock { commands.append(.append(token, data)) }
        wake()
    }

    /// Stops and closes a pipe; a reader's `onEnd` is called. A token already finished is ignored.
    func stop(_ token: Token) {
        lock.withLock { commands.append(.close(token)) }
        wake()
    }

    private func submit(_ entry: Entry) -> Token {
        _ = fcntl(entry.fd, F_SETFL, fcntl(entry.fd, F_GETFL) | O_NONBLOCK)
        let token = lock.withLock { () -> Token in
            let token = nextToken
            nextToken += 1
            commands.append(.add(token, entry))
            return token
        }
        wake()
        return token
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // a full wake pipe already means "wake up"
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            applyCommands()
            var tokens: [Token] = []
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            for (token, entry) in entries {
                var events: Int16 = 0
                switch entry {
                case .reader: events = Int16(POLLIN)
                case .writer(_, let pending, _): events = pending.isEmpty ? 0 : Int16(POLLOUT)
                }
                tokens.append(token)
                fds.append(pollfd(fd: entry.fd, events: events, revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 { continue }  // EINTR
            if fds[0].revents != 0 { drainWake() }
            for index in 1..<fds.count where fds[index].revents != 0 {
                service(tokens[index - 1], revents: fds[index].revents, buffer: &buffer)
            }
        }
    }

    private func drainWake() {
        var scratch = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &scratch, scratch.count) > 0 {}
    }

    private func applyCommands() {
        let pending = lock.withLock { () -> [Command] in
            defer { commands.removeAll() }
            return commands
        }
        for command in pending {
            switch command {
            case .add(let token, let entry):
                entries[token] = entry
                if case .writer(_, let data, true) = entry, data.isEmpty { finish(token) }
            case .append(let token, let data):
                if case .writer(let fd, let pending, let closeWhenDone) = entries[token] {
                    entries[token] = .writer(fd: fd, pending: pending + data, closeWhenDone: closeWhenDone)
                }
            case .close(let token):
                finish(token)
            }
        }
    }

    private func service(_ token: Token, revents: Int16, buffer: inout [UInt8]) {
        guard let entry = entries[token] else { return }
        switch entry {
        case .reader(let fd, let onData, _):
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                onData(Data(buffer[0..<count]))
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                finish(token)
            }
        case .writer(let fd, var pending, let closeWhenDone):
            if revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && revents & Int16(POLLOUT) == 0 {
                finish(token)
                return
            }
            let written = pending.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno != EAGAIN && errno != EINTR { finish(token) }
                return
            }
            pending.removeFirst(written)
            if pending.isEmpty && closeWhenDone {
                finish(token)
            } else {
                entries[token] = .writer(fd: fd, pending: Data(pending), closeWhenDone: closeWhenDone)
            }
        }
    }

    /// Removes the entry, closes its descriptor and, for a reader, reports the end.
    private func finish(_ token: Token) {
        guard let entry = entries.removeValue(forKey: token) else { return }
        close(entry.fd)
        if case .reader(_, _, let onEnd) = entry { onEnd() }
    }
}
