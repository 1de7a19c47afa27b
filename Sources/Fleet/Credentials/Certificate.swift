import Foundation

/// An X.509 certificate as fleet needs to know it: its PEM text, its public key, when it
/// expires and which names it is for, all read with the controller's `openssl`.
public struct Certificate: Sendable, Equatable {
    /// The PEM text, as it goes to a host.
    public var pem: String
    /// The subject public key, PEM (to match a certificate with its key).
    var publicKey: String
    /// The end of the validity period.
    public var notAfter: Date
    /// Subject alternative names as openssl prints them (`IP Address:192.168.10.3`, `DNS:host-0`).
    public var subjectAltNames: [String]

    /// Whole days from `now` to ``notAfter`` (negative once expired).
    public func daysLeft(now: Date = Date()) -> Int {
        Int((notAfter.timeIntervalSince(now) / 86_400).rounded(.down))
    }

    /// `2027-12-02`, the day it expires (UTC).
    public var expiryDay: String { Self.utcFormatter("yyyy-MM-dd").string(from: notAfter) }

    static func utcFormatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }

    /// Reads the certificate at `path`.
    /// - Throws: ``FleetError`` `.local` when the file is not a certificate openssl reads.
    static func read(at path: String) async throws -> Certificate {
        let purpose = "reading the certificate \(path)"
        let text = try await OpenSSL.run(
            ["x509", "-in", path, "-noout", "-pubkey", "-enddate", "-dateopt", "iso_8601", "-ext", "subjectAltName"],
            purpose: purpose)
        guard let pem = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
              let parsed = parse(text)
        else { throw FleetError(.local, "\(purpose): openssl's answer could not be read") }
        return Certificate(pem: pem, publicKey: parsed.publicKey, notAfter: parsed.notAfter,
                           subjectAltNames: parsed.names)
    }

    /// Parses `openssl x509 -noout -pubkey -enddate -dateopt iso_8601 -ext subjectAltName`.
    static func parse(_ text: String) -> (publicKey: String, notAfter: Date, names: [String])? {
        var key: [Substring] = [], inKey = false, notAfter: Date?, names: [String] = [], namesNext = false
        let formatter = utcFormatter("yyyy-MM-dd HH:mm:ss'Z'")
        for line in text.split(separator: "\n") {
            if line.hasPrefix("-----BEGIN PUBLIC KEY") { inKey = true }
            if inKey { key.append(line) }
            if line.hasPrefix("-----END PUBLIC KEY") { inKey = false }
            if line.hasPrefix("notAfter=") { notAfter = formatter.date(from: String(line.dropFirst(9))) }
            if namesNext {
                names = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                namesNext = false
            }
            if line.hasPrefix("X509v3 Subject Alternative Name") { namesNext = true }
        }
        guard !key.isEmpty, let notAfter else { return nil }
        return (key.joined(separator: "\n"), notAfter, names)
    }
}
