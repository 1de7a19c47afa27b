import Fleet
import FleetTestSupport
import Foundation
import Testing
@testable import Playbooks

/// The environment's CA with the controller's real openssl: made only by `up`, reused while
/// valid, reissued when an address changes or expiry nears, private files private, and the
/// steps and hand-off built from it.
@Suite("flintlockd credentials: the environment CA, host and client certificates", .serialized, .timeLimit(.minutes(2)))
struct FlintlockCredentialsTests {
    static let host1 = Device(name: "host-1", role: .host, address: "203.0.113.12",
                              vlanAddress: DemoInventory.address("192.168.10.4"))
    static let inventory = DemoInventory.inventory(devices: [DemoInventory.hub, DemoInventory.host0, host1])

    static func directory() throws -> String {
        try LocalShell.hostileTemporaryDirectory().appendingPathComponent("pki").path
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1
    }

    @Test("only issuing makes the CA; reading an empty place makes nothing")
    func readOnlyMakesNothing() async throws {
        let directory = try Self.directory()
        #expect(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: false) == nil)
        #expect(!FileManager.default.fileExists(atPath: directory))
        var insecure = DemoInventory.flintlock
        insecure.tls = false
        #expect(try await FlintlockCredentials.prepare(for: DemoInventory.inventory(flintlock: insecure),
                                                       directory: directory, issue: true) == nil)
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("up issues a CA, a server certificate per host for its VLAN address and name, and a client certificate")
    func issues() async throws {
        let directory = try Self.directory()
        let made = try #require(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: true))
        #expect(Self.mode(directory) == 0o700)
        #expect(Self.mode(directory + "/ca.key") == 0o600)
        #expect(Set(made.servers.keys) == ["host-0", "host-1"])
        let host0 = try #require(made.servers["host-0"])
        #expect(host0.issued.certificate.subjectAltNames == ["IP Address:192.168.10.3", "DNS:host-0"])
        #expect((CertificateAuthority.issuedDays - 1...CertificateAuthority.issuedDays).contains(host0.issued.certificate.daysLeft()))
        #expect(host0.privateKey.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(Self.mode(host0.issued.keyPath) == 0o600)
        let client = try #require(made.client)
        #expect(Self.mode(client.keyPath) == 0o600)
        // Each verifies against the CA for its purpose, by openssl itself.
        for (path, purpose) in [(host0.issued.certificatePath, "sslserver"), (client.certificatePath, "sslclient")] {
            let verified = try await LocalProcess.run("/usr/bin/openssl", ["verify", "-CAfile", made.authority.certificatePath,
                                                                           "-purpose", purpose, path])
            #expect(verified.status == 0, "\(String(decoding: verified.stderr, as: UTF8.self))")
        }

        // A second run reuses everything, byte for byte: a re-run changes nothing on the hosts.
        let again = try #require(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: true))
        #expect(again.authority.certificate == made.authority.certificate)
        #expect(again.servers == made.servers)
        #expect(again.client == made.client)
    }

    @Test("a host whose address changed gets a new certificate; the others keep theirs")
    func addressChange() async throws {
        let directory = try Self.directory()
        let made = try #require(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: true))
        var moved = DemoInventory.host0
        moved.vlanAddress = DemoInventory.address("192.168.10.5")
        let changed = DemoInventory.inventory(devices: [DemoInventory.hub, moved, Self.host1])
        #expect(try await FlintlockCredentials.prepare(for: changed, directory: directory, issue: false)?.servers["host-0"] == nil,
                "a certificate for the old address is not offered for the new one")
        let reissued = try #require(try await FlintlockCredentials.prepare(for: changed, directory: directory, issue: true))
        #expect(reissued.servers["host-0"]?.issued.certificate.subjectAltNames == ["IP Address:192.168.10.5", "DNS:host-0"])
        #expect(reissued.servers["host-0"]?.privateKey != made.servers["host-0"]?.privateKey)
        #expect(reissued.servers["host-1"] == made.servers["host-1"])
    }

    @Test("within the renewal window a check sees it due; up renews it")
    func renewal() async throws {
        let directory = try Self.directory()
        let made = try #require(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: true))
        let notAfter = try #require(made.servers["host-0"]).issued.certificate.notAfter
        let late = notAfter.addingTimeInterval(-10 * 86_400)
        let seen = try #require(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory,
                                                                       issue: false, now: late))
        #expect(seen.servers["host-0"]?.issued.renewalDue == true)
        let steps = LiquidMetal.steps(for: DemoInventory.host0, in: Self.inventory, authKey: nil, tls: seen)
        let certificate = try #require(steps.first { $0.id == "flintlockd-certificate" })
        let result = try LocalShell.run(certificate.check)
        #expect(!result.succeeded)
        #expect(result.stderr.contains("the certificate for 192.168.10.3 expires in 10 days"), "\(result)")
        let renewed = try #require(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory,
                                                                          issue: true, now: late))
        #expect(renewed.servers["host-0"]?.issued.renewalDue == false)
        #expect(renewed.servers["host-0"]?.issued.certificate.pem != made.servers["host-0"]?.issued.certificate.pem)
    }

    @Test("a CA key open to others is refused, naming the fix")
    func openKeyRefused() async throws {
        let directory = try Self.directory()
        _ = try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory + "/ca.key")
        await #expect(throws: FleetError.self) {
            _ = try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: false)
        }
        do {
            _ = try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: false)
        } catch let error as FleetError {
            #expect(error.message == "\(directory)/ca.key is open to others (mode 644); chmod 600 it")
        }
    }

    @Test("the steps carry the certificates; the key only as a sensitive file and in the secrets")
    func steps() async throws {
        let directory = try Self.directory()
        let made = try #require(try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: true))
        let steps = LiquidMetal.steps(for: DemoInventory.host0, in: Self.inventory, authKey: nil, tls: made)
        let key = try #require(made.servers["host-0"]).privateKey
        let keyStep = try #require(steps.first { $0.id == "flintlockd-key" })
        #expect(keyStep.secrets.contains(key))
        let body = try #require(key.split(separator: "\n").dropFirst().first.map(String.init))
        #expect(keyStep.secrets.contains(body))
        for step in steps where step.id != "flintlockd-key" {
            #expect(![step.check, step.apply, step.title].contains { $0.contains(body) }, "\(step.id) shows the key")
        }
        let certificate = try #require(steps.first { $0.id == "flintlockd-certificate" })
        #expect(certificate.title.hasPrefix("flintlockd certificate for 192.168.10.3 (until "))
        let service = try #require(steps.first { $0.id == "flintlockd" })
        #expect(Set(["flintlockd-client-ca", "flintlockd-certificate", "flintlockd-key"]).isSubset(of: Set(service.notifiedBy)))
        // The plan through the engine's redactor: the key text never survives.
        let redacted = Redactor(steps.flatMap(\.secrets))("oops: \(key) and \(body)")
        #expect(!redacted.contains(body))
    }

    @Test("without credentials the certificate steps fail their check, saying up issues them")
    func placeholders() throws {
        let steps = LiquidMetal.steps(for: DemoInventory.host0, in: Self.inventory, authKey: nil, tls: nil)
        for id in ["flintlockd-client-ca", "flintlockd-certificate", "flintlockd-key"] {
            let step = try #require(steps.first { $0.id == id })
            let result = try LocalShell.run(step.check)
            #expect(!result.succeeded)
            #expect(result.stderr.contains("no certificate authority exists for this inventory yet: `fleet up` issues it"))
            #expect(step.undo?.contains("rm -f") == true, "teardown still removes what an earlier run wrote")
        }
    }

    @Test("the hand-off lists endpoints, client paths, the VIP and the route; never a key")
    func handOff() async throws {
        let directory = try Self.directory()
        let made = try await FlintlockCredentials.prepare(for: Self.inventory, directory: directory, issue: true)
        let complete = HandOff.make(inventory: Self.inventory, credentials: made, route: .approved)
        #expect(complete.isComplete)
        #expect(complete.endpoints.map(\.endpoint) == ["192.168.10.3:9090", "192.168.10.4:9090"])
        #expect(complete.reserved == ["192.168.10.25"])
        #expect(complete.clientCertificate == directory + "/issued/capmvm-client.crt")
        #expect(complete.text.contains("  host-0  192.168.10.3:9090  mutual TLS, certificate until "))
        #expect(complete.text.contains("VLAN subnet: 192.168.10.0/25, route through the hub: approved"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(complete.json.utf8)) as? [String: Any])
        #expect(json["client_key"] as? String == directory + "/issued/capmvm-client.key")
        #expect(json["route"] as? String == "approved")
        for text in [complete.text, complete.json] {
            #expect(!text.contains("PRIVATE KEY"))
        }
        let pending = HandOff.make(inventory: Self.inventory, credentials: nil, route: .waitingForApproval)
        #expect(!pending.isComplete)
        #expect(pending.missing.count == 4, "\(pending.missing)")
        #expect(pending.text.contains("not complete:\n  - host-0: no current server certificate (run fleet up)"))
        #expect(HandOff.routeState(from: StepResult(stepId: "tailscale-up", title: "t", status: .ok,
                                                    evidence: "NOTE: 192.168.10.0/25 is advertised but not approved yet")) == .waitingForApproval)
        #expect(HandOff.routeState(from: StepResult(stepId: "tailscale-up", title: "t", status: .ok)) == .approved)
        #expect(HandOff.routeState(from: StepResult(stepId: "tailscale-up", title: "t", status: .drift)) == .notAdvertised)
        #expect(HandOff.routeState(from: nil) == .unknown)
        #expect(HandOff.routeDetail(from: StepResult(stepId: "tailscale-up", title: "t", status: .ok,
                                                     evidence: "x\nNOTE: 192.168.10.0/25 is advertised but not approved yet"))
                    == "192.168.10.0/25 is advertised but not approved yet")
        #expect(HandOff.routeDetail(from: StepResult(stepId: "tailscale-up", title: "t", status: .ok)) == nil)
    }
}
