import Dispatch
import Foundation

/// Ctrl-C, SIGTERM and SIGHUP (the terminal closed) handling: the first signal runs `onFirst`
/// (cancel the run: scheduling stops, ssh children are torn down, the recap still prints); a
/// second one kills every child process group at once, removes the control directories and
/// exits 130. SIGINT or SIGHUP ignored when fleet started (SIGINT for a background job of a
/// non-interactive shell, SIGHUP under `nohup`) stays ignored, as the caller asked; SIGTERM
/// always stops fleet.
public final class SignalTrap: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let count = Locked(0)

    /// Installs the handlers.
    public init(onFirst: @escaping @Sendable () -> Void) {
        for signo in [SIGINT, SIGTERM, SIGHUP] where signo == SIGTERM || !Self.ignoredAtStart(signo) {
            #if canImport(Darwin)
            // kqueue only delivers ignored signals; Linux must NOT ignore them, or the ssh
            // children would inherit the ignore and never die of SIGTERM.
            signal(signo, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { [count] in
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
            source.resume()
            sources.append(source)
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
