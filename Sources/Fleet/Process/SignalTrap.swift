import Dispatch
import Foundation

/// Ctrl-C and SIGTERM handling: the first signal runs `onFirst` (cancel the run: scheduling
/// stops, ssh children are torn down, the recap still prints); a second one kills every child
/// process group at once and exits 130.
public final class SignalTrap: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let count = Locked(0)

    /// Installs the handlers.
    public init(onFirst: @escaping @Sendable () -> Void) {
        for signo in [SIGINT, SIGTERM] {
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
                    exit(ExitCode.interrupted)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
