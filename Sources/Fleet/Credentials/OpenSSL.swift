import Foundation

/// The controller's own `openssl`, the one tool fleet uses to make and read certificates
/// (no package provides X.509 to a toolchain-only build).
///
/// Private keys only ever pass between openssl and files in a 0700 directory: never argv,
/// never a pipe that fleet reads (except a host key that must travel to its host, read by
/// ``IssuedCredential``), and openssl does not print them on stderr, so its messages may
/// reach an error.
enum OpenSSL {
    static let executable = "/usr/bin/openssl"

    /// Runs `openssl arguments…` and returns its stdout.
    /// - Throws: ``FleetError`` `.local` naming `purpose` when openssl is missing, fails or
    ///   does not answer within 30 s.
    static func run(_ arguments: [String], purpose: String) async throws -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw FleetError(.local, "\(purpose): fleet needs \(executable) (Debian package openssl) to keep"
                + " flintlockd's certificates; install it, or set flintlock.tls to false")
        }
        let output = try await LocalProcess.run(executable, arguments, timeout: .seconds(30))
        guard output.status == 0, !output.signalled, !output.timedOut else {
            let reason = output.timedOut ? "timed out after 30 s"
                : String(decoding: output.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw FleetError(.local, "\(purpose): openssl \(arguments.first ?? "") failed: \(reason)")
        }
        return String(decoding: output.stdout, as: UTF8.self)
    }
}
