import Foundation

/// Runs local programs to completion: the one entry point for short-lived children.
public enum LocalProcess {
    /// Runs `executable` with `arguments` and returns how it ended.
    ///
    /// A non-zero exit is data, not an error. On time-out or task cancellation the child's whole
    /// process group gets SIGTERM, then SIGKILL after `grace`; the call still returns only once
    /// the child is reaped.
    /// - Throws: ``FleetError`` `.spawnFailed` when the program cannot be started.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        input: Data? = nil, keepStdinOpen: Bool = false, timeout: Duration? = nil, grace: Duration = .seconds(2),
        onStdout: (@Sendable (Data) -> Void)? = nil
    ) async throws -> ProcessOutput {
        let child = ChildProcess(executable, arguments, environment: environment, input: input,
                                 keepStdinOpen: keepStdinOpen, onStdout: onStdout)
        try Task.checkCancellation()
        try await child.start()
        guard let timeout else { return await child.wait(grace: grace) }
        return await withTaskGroup(of: ProcessOutput?.self) { group in
            group.addTask { await child.wait(grace: grace) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { child.terminate(grace: grace, forTimeout: true) }
                return nil
            }
            var output: ProcessOutput?
            for await result in group {
                if let result {
                    output = result
                    group.cancelAll()
                }
            }
            // The waiting task always yields a value: it does not return before the reap.
            return output ?? ProcessOutput(status: -1, signalled: false, stdout: Data(), stderr: Data(), timedOut: true)
        }
    }
}
