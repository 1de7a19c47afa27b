import Foundation

/// The environment's own certificate authority, kept on the controller: it signs each
/// flintlock host's server certificate and the client certificate of the cluster side.
///
/// Layout of ``directory`` (0700): `ca.key` (0600, never leaves this directory), `ca.crt`,
/// and `issued/<name>.crt` with `issued/<name>.key` (0600) for what it signed. Keys are EC
/// P-256, signatures SHA-256; the CA is valid for ten years, what it issues for one year and
/// is issued anew within ``renewalDays`` of expiry.
public struct CertificateAuthority: Sendable {
    /// Days the CA is valid.
    public static let caDays = 3650
    /// Days an issued certificate is valid.
    public static let issuedDays = 365
    /// An issued certificate with fewer days left than this is renewed by `up`.
    public static let renewalDays = 30

    /// The directory holding the CA and what it issued.
    public let directory: String
    /// The CA certificate, as clients and servers trust it.
    public let certificate: Certificate

    /// `<directory>/ca.crt`.
    public var certificatePath: String { directory + "/ca.crt" }
    var keyPath: String { directory + "/ca.key" }
    var issuedDirectory: String { directory + "/issued" }

    /// What a certificate is for.
    public enum Purpose: Sendable, Equatable {
        /// A TLS server at `address`, also named `name` (a DNS label).
        case server(address: IPv4Address, name: String)
        /// A TLS client called `name`.
        case client(name: String)

        var extensions: String {
            switch self {
            case .server(let address, let name):
                return "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    + "extendedKeyUsage=serverAuth\nsubjectAltName=IP:\(address),DNS:\(name)\n"
            case .client:
                return "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    + "extendedKeyUsage=clientAuth\n"
            }
        }
        var commonName: String {
            switch self {
            case .server(_, let name), .client(let name): return name
            }
        }
        var verifyPurpose: String {
            switch self {
            case .server: return "sslserver"
            case .client: return "sslclient"
            }
        }
        /// The names a valid certificate for this purpose must carry.
        var requiredNames: [String] {
            switch self {
            case .server(let address, let name): return ["IP Address:\(address)", "DNS:\(name)"]
            case .client: return []
            }
        }
    }

    /// Opens the CA in `directory`, making it first when `create` is true and there is none.
    /// - Returns: nil when there is no CA and `create` is false (check, dry-run and teardown
    ///   runs change nothing, not even locally).
    /// - Throws: ``FleetError`` `.local` when the directory or key is readable by others, or
    ///   openssl fails.
    public static func open(directory: String, create: Bool) async throws -> CertificateAuthority? {
        let files = FileManager.default
        let caPath = directory + "/ca.crt", keyPath = directory + "/ca.key"
        if !files.fileExists(atPath: caPath) || !files.fileExists(atPath: keyPath) {
            guard create else { return nil }
            try files.createDirectory(atPath: directory + "/issued", withIntermediateDirectories: true,
                                      attributes: [.posixPermissions: 0o700])
            try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
            let temporaryKey = directory + "/.ca.key.new", temporaryCertificate = directory + "/.ca.crt.new"
            _ = try await OpenSSL.run(
                ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", temporaryKey, "-out", temporaryCertificate, "-days", String(caDays), "-sha256",
                 "-subj", "/CN=fleet environment CA " + (directory as NSString).lastPathComponent,
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                purpose: "making the environment's certificate authority in \(directory)")
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporaryKey)
            // The key first: a CA certificate never exists without its key.
            try replace(keyPath, with: temporaryKey)
            try replace(caPath, with: temporaryCertificate)
        }
        try requirePrivate(directory, expected: 0o700)
        try requirePrivate(keyPath, expected: 0o600)
        return CertificateAuthority(directory: directory, certificate: try await Certificate.read(at: caPath))
    }

    /// The certificate and key stored as `issued/<file>` for `purpose`, issued anew first when
    /// `issue` is true and the stored one is missing, not signed by this CA, not for these
    /// names, not matching its key, or within ``renewalDays`` of expiry.
    /// - Returns: nil when there is no usable certificate and `issue` is false; a certificate
    ///   due for renewal is returned with ``IssuedCredential/renewalDue`` set.
    public func credential(for purpose: Purpose, file: String, issue: Bool,
                           now: Date = Date()) async throws -> IssuedCredential? {
        let stored = IssuedCredential.paths(in: issuedDirectory, file: file)
        func credential(_ certificate: Certificate, due: Bool) -> IssuedCredential {
            IssuedCredential(certificate: certificate, certificatePath: stored.certificate, keyPath: stored.key,
                             renewalDue: due)
        }
        let current = try await usable(stored, for: purpose)
        if let current, current.daysLeft(now: now) >= Self.renewalDays { return credential(current, due: false) }
        guard issue else { return current.map { credential($0, due: true) } }
        try await sign(purpose, file: file)
        guard let fresh = try await usable(stored, for: purpose) else {
            throw FleetError(.local, "the certificate just issued as \(stored.certificate) does not verify against \(certificatePath)")
        }
        return credential(fresh, due: false)
    }

    /// The stored certificate when it is signed by this CA for `purpose`'s names and matches
    /// its key, else nil.
    private func usable(_ stored: (certificate: String, key: String),
                        for purpose: Purpose) async throws -> Certificate? {
        let files = FileManager.default
        guard files.fileExists(atPath: stored.certificate), files.fileExists(atPath: stored.key),
              (try? await OpenSSL.run(["verify", "-CAfile", certificatePath, "-purpose", purpose.verifyPurpose,
                                       stored.certificate], purpose: "verify")) != nil,
              let certificate = try? await Certificate.read(at: stored.certificate),
              purpose.requiredNames.allSatisfy(certificate.subjectAltNames.contains)
        else { return nil }
        let keyPublic = try? await OpenSSL.run(["pkey", "-in", stored.key, "-pubout"], purpose: "reading a key")
        guard keyPublic?.trimmingCharacters(in: .whitespacesAndNewlines) == certificate.publicKey else { return nil }
        return certificate
    }

    private func sign(_ purpose: Purpose, file: String) async throws {
        let stored = IssuedCredential.paths(in: issuedDirectory, file: file)
        let base = issuedDirectory + "/.\(file).new"
        let key = base + ".key", request = base + ".csr", extensions = base + ".ext", certificate = base + ".crt"
        defer { for path in [request, extensions] { try? FileManager.default.removeItem(atPath: path) } }
        let what = "issuing the certificate \(stored.certificate)"
        _ = try await OpenSSL.run(
            ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
             "-out", request, "-subj", "/CN=\(purpose.commonName)"], purpose: what)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        try Data(purpose.extensions.utf8).write(to: URL(fileURLWithPath: extensions))
        var serial = SystemRandomNumberGenerator()
        let serialHex = (0..<2).map { _ in String(format: "%016llx", serial.next() as UInt64) }.joined()
        _ = try await OpenSSL.run(
            ["x509", "-req", "-in", request, "-CA", certificatePath, "-CAkey", keyPath, "-set_serial", "0x" + serialHex,
             "-days", String(Self.issuedDays), "-sha256", "-extfile", extensions, "-out", certificate], purpose: what)
        try Self.replace(stored.key, with: key)
        try Self.replace(stored.certificate, with: certificate)
    }

    private static func replace(_ path: String, with temporary: String) throws {
        guard rename(temporary, path) == 0 else {
            throw FleetError(.local, "cannot move \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The CA key must stay the controller user's alone.
    private static func requirePrivate(_ path: String, expected: Int) throws {
        if let mode = PrivateFile.openMode(path) {
            throw FleetError(.local, "\(path) is open to others (mode \(String(mode, radix: 8))); chmod \(String(expected, radix: 8)) it")
        }
    }
}
