import Foundation

/// A certificate the environment's CA issued and where it and its key are kept on the
/// controller.
public struct IssuedCredential: Sendable, Equatable {
    /// The certificate.
    public var certificate: Certificate
    /// `issued/<name>.crt` in the CA's directory.
    public var certificatePath: String
    /// `issued/<name>.key` (0600) in the CA's directory.
    public var keyPath: String
    /// Fewer than ``CertificateAuthority/renewalDays`` days are left and this run may not
    /// issue (a check): `up` renews it.
    public var renewalDue: Bool

    static func paths(in directory: String, file: String) -> (certificate: String, key: String) {
        (directory + "/\(file).crt", directory + "/\(file).key")
    }

    /// The private key's PEM text, for a host that must hold it. A secret: callers put it in
    /// ``Step/secrets`` and a sensitive file only.
    /// - Throws: ``FleetError`` `.local` when the key file cannot be read.
    public func privateKey() throws -> String {
        guard let data = FileManager.default.contents(atPath: keyPath) else {
            throw FleetError(.local, "cannot read the key \(keyPath)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
