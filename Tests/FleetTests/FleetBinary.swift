import Fleet
import Foundation
import Testing

/// The built `fleet` executable, run the way a user runs it, for golden-output CLI tests.
enum FleetBinary {
    /// How one run ended.
    struct Outcome: Sendable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Pids of `ssh` processes seen as children of fleet while it ran (``run(_:watchingForSSH:)``).
        var sshChildren: Set<Int32> = []

        var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    /// The repository root, found from this source file.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// `fleet` next to the test bundle (`.build/debug/fleet`; on macOS the bundle is a directory
    /// a few levels further down). Fails the test, never skips it, when it is not there.
    static func path() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        var directory = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("fleet").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        let expected = bundle.deletingLastPathComponent().appendingPathComponent("fleet").path
        throw FleetError(.local, """
            the fleet executable is not at \(expected): build it with `swift build --build-tests` \
            (it is built next to the test bundle \(bundle.path))
            """)
    }

    /// The environment fleet runs with: this process's, without colour, with run logs kept out of
    /// the user's home when a test forgets `--state-dir`.
    static func environment(stateDirectory: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["FLEET_STATE_DIR"] = stateDirectory
        environment["COLUMNS"] = "120"
        return environment
    }

    /// Runs `fleet arguments` with stdin at /dev/null (not a terminal) and returns how it ended.
    static func run(_ arguments: [String], stateDirectory: String,
                    sourceLocation: SourceLocation = #_sourceLocation) async throws -> Outcome {
        let output = try await LocalProcess.run(try path(), arguments,
                                                environment: environment(stateDirectory: stateDirectory),
                                                timeout: .seconds(150))
        #expect(!output.timedOut, "fleet \(arguments.joined(separator: " ")) ran into the test's time-out",
                sourceLocation: sourceLocation)
        return Outcome(status: output.signalled ? 128 + output.status : output.status,
                       stdout: String(decoding: output.stdout, as: UTF8.self),
                       stderr: String(decoding: output.stderr, as: UTF8.self))
    }

    /// Runs fleet as ``run(_:stateDirectory:sourceLocation:)`` does and, when `watchingForSSH`,
    /// keeps looking for `ssh` children of it while it runs.
    ///
    /// `LocalProcess.run` does not expose the pid, so this drives ``ChildProcess`` (which
    /// `LocalProcess.run` wraps) directly. The look is a poll and cannot see a child that lived
    /// less than one poll interval; it backs up stronger evidence (no run log, no remote effect),
    /// it does not replace it.
    static func run(_ arguments: [String], watchingForSSH: Bool, stateDirectory: String) async throws -> Outcome {
        let child = ChildProcess(try path(), arguments,
                                 environment: environment(stateDirectory: stateDirectory))
        try await child.start()
        let pid = child.pid
        let watcher = Task {
            var seen = Set<Int32>()
            while watchingForSSH && !child.hasExited {
                seen.formUnion(children(of: pid, named: "ssh"))
                try? await Task.sleep(for: .milliseconds(1))
            }
            return seen
        }
        let output = await child.wait()
        return Outcome(status: output.signalled ? 128 + output.status : output.status,
                       stdout: String(decoding: output.stdout, as: UTF8.self),
                       stderr: String(decoding: output.stderr, as: UTF8.self), sshChildren: await watcher.value)
    }

    /// Children of `pid` (started by any of its threads) whose command name is `name`.
    static func children(of pid: Int32, named name: String) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [Int32] in
            let list = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return list.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }.filter { child in
            (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .newlines) == name
        }
    }

    /// `text` with every duration fleet prints (`350ms`, `1.2s`) replaced by `T`.
    static func timeless(_ text: String) -> String {
        text.replacing(/\b\d+ms\b|\b\d+\.\ds\b/, with: "T")
    }
}
