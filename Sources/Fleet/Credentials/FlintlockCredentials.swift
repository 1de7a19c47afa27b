import Foundation

/// The certificates behind flintlockd's mutual TLS in one environment: the CA, each MicroVM
/// host's server certificate for its VLAN address, and the client certificate the cluster
/// side (CAPMVM) presents.
///
/// The CLI prepares them before planning: `up` makes the CA and issues or renews what is
/// missing or due; every other command only reads what is there, so a check, a dry run or a
/// teardown changes nothing, not even on the controller.
public struct FlintlockCredentials: Sendable {
    /// The client certificate's name (`issued/capmvm-client.crt`).
    public static let clientName = "capmvm-client"

    /// A host's server certificate with the key text it must hold.
    public struct Server: Sendable, Equatable {
        /// The certificate and where it is kept.
        public var issued: IssuedCredential
        /// The key's PEM text: a secret.
        public var privateKey: String
    }

    /// The environment's CA.
    public var authority: CertificateAuthority
    /// Server certificates by device name; a host without one has none issued yet (or its
    /// certificate no longer fits its address), which `up` mends.
    public var servers: [String: Server]
    /// The cluster side's client certificate, when issued.
    public var client: IssuedCredential?
    /// The moment renewal was judged at: days left are counted from it.
    public var preparedAt: Date

    /// Where an inventory's CA lives: `<state>/pki/<inventory file name>-<hash of its absolute
    /// path>`, so two inventories never share a CA and the same file always finds its own.
    public static func directory(stateDirectory: String, inventoryPath: String) -> String {
        let absolute = URL(fileURLWithPath: inventoryPath).standardizedFileURL.path
        let name = ((absolute as NSString).lastPathComponent as NSString).deletingPathExtension
        let safe = String(name.unicodeScalars.map { scalar in
            CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "-" || scalar == "_"
                ? Character(scalar) : "_"
        })
        return (stateDirectory as NSString).appendingPathComponent("pki/\(safe)-\(fnv1a(absolute))")
    }

    /// The credentials `inventory` calls for, or nil when it wants no TLS (no flintlock section,
    /// `tls: false`) or, without `issue`, when no CA exists yet.
    /// - Parameters:
    ///   - issue: make the CA and issue or renew certificates (`up` only).
    /// - Throws: ``FleetError`` `.local` when openssl fails or the CA's files are open to others.
    public static func prepare(for inventory: Inventory, directory: String, issue: Bool,
                               now: Date = Date()) async throws -> FlintlockCredentials? {
        guard let flintlock = inventory.flintlock, flintlock.tls,
              let authority = try await CertificateAuthority.open(directory: directory, create: issue)
        else { return nil }
        var servers: [String: Server] = [:]
        for device in inventory.devices where device.role == .host {
            guard let address = device.vlanAddress,
                  let issued = try await authority.credential(for: .server(address: address, name: device.name),
                                                              file: device.name, issue: issue, now: now)
            else { continue }
            servers[device.name] = Server(issued: issued, privateKey: try issued.privateKey())
        }
        let client = try await authority.credential(for: .client(name: clientName), file: clientName, issue: issue,
                                                    now: now)
        return FlintlockCredentials(authority: authority, servers: servers, client: client, preparedAt: now)
    }

    /// A short, stable tag of `text` (64-bit FNV-1a, 8 hex digits of it): no cryptography is
    /// needed to keep two directory names apart.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(String(format: "%016llx", hash).suffix(8))
    }
}
