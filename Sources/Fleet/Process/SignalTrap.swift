import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the trap's self-pipe, for the signal handler (which can capture nothing).
/// Set once, before any handler is installed.
private nonisolated(unsafe) var signalPipe: Int32 = -1

/// The signal handler: one byte, the signal's number, into the self-pipe (`write` is
/// async-signal-safe; a full pipe drops the byte, and the first one is all that matters).
private func noteSignal(_ signo: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: signo)
    _ = write(signalPipe, &byte, 1)
    errno = saved
}

/// Ctrl-C, SIGTERM and SIGHUP (the terminal closed) handling: the first signal runs `onFirst`
/// (cancel the run: scheduling stops, ssh children are torn down, the recap still prints); a
/// second one kills every child process group at once, removes the control directories and
/// exits 130. SIGINT or SIGHUP ignored when fleet started (SIGINT for a background job of a
/// non-interactive shell, SIGHUP under `nohup`) stays ignored, as the caller asked; SIGTERM
/// always stops fleet.
///
/// A plain `sigaction` handler writes to a self-pipe that a thread of the trap's own reads.
/// Not a dispatch signal source: on Linux those read a signalfd on libdispatch's manager
/// thread, and a signal caught by the one thread that leaves it unblocked (the main thread,
/// parked by `dispatch_main` in `sigsuspend` with an empty mask) is re-sent with `pthread_kill`
/// to whichever thread last registered a new signal source (here the reaper's SIGCHLD); when
/// that is not the thread reading the signalfd, the signal stays pending there and Ctrl-C is
/// lost (what the fault suite showed once the first child process started before the run).
public final class SignalTrap: @unchecked Sendable {
    private let count = Locked(0)

    /// Installs the handlers.
    public init(onFirst: @escaping @Sendable () -> Void) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        signalPipe = fds[1]
        let reader = fds[0]
        let thread = Thread { [count] in
            var byte: UInt8 = 0
            while true {
                let got = read(reader, &byte, 1)
                if got < 0 && errno == EINTR { continue }
                guard got == 1 else { return }
                let seen = count.mutate { value -> Int in
                    value += 1
                    return value
                }
                if seen == 1 {
                    OutputSink.standardError.write("\ninterrupted: stopping (press Ctrl-C again to quit at once)\n")
                    onFirst()
                } else {
                    ChildProcess.killAllNow()
                    ControlDirectory.removeAll()
                    exit(ExitCode.interrupted)
                }
            }
        }
        thread.name = "fleet.signals"
        thread.stackSize = 1 << 18
        thread.start()
        for signo in [SIGINT, SIGTERM, SIGHUP] where signo == SIGTERM || !Self.ignoredAtStart(signo) {
            var action = sigaction()
            #if canImport(Darwin)
            action.__sigaction_u.__sa_handler = noteSignal
            #else
            action.__sigaction_handler.sa_handler = noteSignal
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signo, &action, nil)
        }
    }

    /// Whether `signo` is ignored in this process (inherited from whoever started fleet).
    static func ignoredAtStart(_ signo: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signo, nil, &current) == 0 else { return false }
        #if canImport(Darwin)
        let handler = current.__sigaction_u.__sa_handler
        #else
        let handler = current.__sigaction_handler.sa_handler
        #endif
        // SIG_IGN is the handler value 1 on Linux and macOS; function pointers are not Equatable.
        return handler.map { unsafeBitCast($0, to: Int.self) == 1 } ?? false
    }
}
