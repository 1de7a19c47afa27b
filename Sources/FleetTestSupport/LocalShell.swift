import Foundation

/// Runs step snippets with the local `/bin/sh`, the way the host runs them (stdin at
/// `/dev/null`), so tests can prove what a snippet really does rather than how it reads.
public enum LocalShell {
    /// How a snippet ended.
    public struct Result: Sendable, CustomStringConvertible {
        /// Exit status (128 + n after signal n).
        public var status: Int32
        /// Everything it printed on stdout.
        public var stdout: String
        /// Everything it printed on stderr.
        public var stderr: String
        /// Exit 0.
        public var succeeded: Bool { status == 0 }
        /// stdout then stderr, for evidence assertions.
        public var output: String { stdout + stderr }
        public var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
        /// Creates a result.
        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `script` with `/bin/sh -c`.
    /// - Parameters:
    ///   - environment: added to (and overriding) this process's environment; a `PATH` given
    ///     here is put in front of the inherited one, so fake commands can shadow real ones.
    ///   - syntaxOnly: `sh -n`: parse without running anything.
    /// - Throws: when `/bin/sh` cannot be started.
    public static func run(_ script: String, environment: [String: String] = [:],
                           syntaxOnly: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = (syntaxOnly ? ["-n"] : []) + ["-c", script]
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment {
            env[key] = key == "PATH" ? value + ":" + (env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin") : value
        }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        // Output goes to files, not pipes: a snippet that prints more than a pipe buffer must not
        // deadlock against a reader that only starts after the process has exited.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus
            : process.terminationStatus
        return Result(status: status,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// A fresh temporary directory whose name contains spaces, quotes and `$(…)`, so that every
    /// test using it also proves the snippets quote their paths.
    public static func hostileTemporaryDirectory() throws -> URL {
        let name = "fleet test 'q' \"dq\" $(touch PWNED) `touch PWNED` \(UUID().uuidString.prefix(8))"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes an executable script (a fake command for `PATH`).
    ///
    /// Through a close-on-exec descriptor, then renamed into place: tests run in parallel, and a
    /// shell another test starts while this file is open for writing would otherwise inherit the
    /// descriptor and keep it past its exec. Executing a file that some process holds open for
    /// writing fails with ETXTBSY, and `sh` then quietly takes the next command of that name on
    /// `PATH`, the real one (seen once: the system's dpkg-query answered a fake's question).
    public static func writeExecutable(_ text: String, at url: URL) throws {
        let temporary = url.path + ".writing-\(UUID().uuidString.prefix(8))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let code = POSIXErrorCode(rawValue: errno) ?? .EIO
                close(fd)
                unlink(temporary)
                throw POSIXError(code)
            }
            bytes = bytes.dropFirst(written)
        }
        close(fd)
        // The mode is set whatever the umask, as the old writer did.
        guard chmod(temporary, 0o755) == 0, rename(temporary, url.path) == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .EIO
            unlink(temporary)
            throw POSIXError(code)
        }
    }
}
