import Fleet
import FleetTestSupport
import Foundation
import Testing
@testable import Playbooks

/// The `WARNING:` lines checks print about exposure: they must appear for the dangerous shapes,
/// stay quiet for fleet's own, and never turn a passing check into a failing one.
@Suite("check warnings: inbound forwarding and flintlockd exposure", .serialized, .timeLimit(.minutes(2)))
struct ExposureWarningTests {
    static func context(_ device: Device) -> PlaybookContext {
        PlaybookContext(inventory: DemoInventory.inventory(), device: device, network: DemoInventory.network,
                        address: device.vlanAddress!, authKey: nil)
    }

    static func warnings(_ result: LocalShell.Result) -> [String] {
        StepResult(stepId: "x", title: "x", status: .ok, evidence: result.stdout).warnings
    }

    // Shaped like firewalld 1.3's `--list-all-zones` / `--list-all-policies`.
    static let quietZones = """
        fleet-tailnet (active)
          target: default
          interfaces: tailscale0
          forward-ports: \n
        fleet-vlan (active)
          target: default
          interfaces: bond0.1000
          forward: yes
          forward-ports: \n
        public (default, active)
          target: default
          interfaces: bond0
          services: dhcpv6-client ssh
          forward-ports: \n
        """
    static let fleetPolicy = """
        allow-host-ipv6
          priority: -15000
          target: CONTINUE
          ingress-zones: ANY
          egress-zones: HOST
          forward-ports: \n
        fleet-tailnet-in (active)
          priority: -1
          target: ACCEPT
          ingress-zones: fleet-tailnet
          egress-zones: fleet-vlan
          masquerade: yes
          forward-ports: \n
        fleet-vlan-out (active)
          priority: -1
          target: ACCEPT
          ingress-zones: fleet-vlan
          egress-zones: ANY
          forward-ports: \n
        """

    @Test("firewalld: fleet's own zone and policy draw no warning; inbound policies, ACCEPT zones and port forwards do")
    func firewalldZonesAndPolicies() throws {
        let host = try FakeHost()
        let step = try PlaybookExecutionTests.step("nat-forwarding")
        let script = #"zones=$(cat "$FAKE/zones.out"); policies=$(cat "$FAKE/policies.out")"# + "\n"
            + InboundExposure.firewalldZonesAndPolicies(Self.context(DemoInventory.hub))
        try host.write(Self.quietZones, to: "zones.out")
        try host.write(Self.fleetPolicy, to: "policies.out")
        let quiet = try host.run(script)
        #expect(quiet.succeeded)
        #expect(Self.warnings(quiet).isEmpty, "\(quiet)")

        try host.write(Self.fleetPolicy + """
            inbound (active)
              priority: -1
              target: ACCEPT
              ingress-zones: public
              egress-zones: fleet-vlan
              forward-ports: \n
            """, to: "policies.out")
        try host.write(Self.quietZones.replacingOccurrences(of: "  target: default\n  interfaces: bond0\n",
                                                            with: "  target: ACCEPT\n  interfaces: bond0\n")
            .replacingOccurrences(of: "services: dhcpv6-client ssh\n  forward-ports: \n",
                                  with: "services: ssh\n  forward-ports: \n\tport=8080:proto=tcp:toport=9090:toaddr=192.168.10.3\n\tport=53:proto=udp:toport=53:toaddr=10.0.0.1\n"),
            to: "zones.out")
        let loud = try host.run(script)
        #expect(loud.succeeded)
        let found = Self.warnings(loud)
        #expect(found.count == 3, "\(loud)")
        #expect(found.contains { $0.contains("policy inbound accepts traffic from [public] into [fleet-vlan]") })
        #expect(found.contains { $0.contains("zone public holds bond0 with target ACCEPT") })
        #expect(found.contains { $0.contains("toaddr=192.168.10.3") })
        #expect(!found.contains { $0.contains("10.0.0.1") })

        // The whole check reads the same listings (the fake shows them for --permanent too): its
        // own verdict plus the warnings.
        let checked = try host.run(step.check)
        #expect(checked.succeeded, "warnings must not fail the check: \(checked)")
        #expect(Self.warnings(checked).count == 3, "\(checked)")
        try host.write(Self.quietZones.replacingOccurrences(of: "bond0.1000", with: ""), to: "zones.out")
        let drifted = try host.run(step.check)
        #expect(!drifted.succeeded)
        #expect(drifted.stdout.contains("runtime: bond0.1000 is in zone 'none', want fleet-vlan"), "\(drifted)")

        // The tailnet path is part of the step: tailscale0 in no zone (tailscale issue 4639) or a
        // missing tailnet policy is drift; the tailnet policy into the VLAN is no warning, but the
        // same policy taking traffic from the public zone too is.
        try host.write(Self.quietZones.replacingOccurrences(of: "interfaces: tailscale0", with: "interfaces: "), to: "zones.out")
        let noZone = try host.run(step.check)
        #expect(noZone.stdout.contains("runtime: tailscale0 is in zone 'none', want fleet-tailnet"), "\(noZone)")
        try host.write(Self.quietZones, to: "zones.out")
        try host.write(Self.fleetPolicy.replacingOccurrences(of: "ingress-zones: fleet-tailnet", with: "ingress-zones: fleet-tailnet public"),
                       to: "policies.out")
        let widened = try host.run(script)
        #expect(Self.warnings(widened).count == 1 && widened.stdout.contains("policy fleet-tailnet-in accepts traffic from [fleet-tailnet public]"), "\(widened)")
        try host.write(Self.fleetPolicy.replacingOccurrences(of: "fleet-tailnet-in (active)", with: "other (active)"), to: "policies.out")
        let noPolicy = try host.run(step.check)
        #expect(noPolicy.stdout.contains("runtime: policy fleet-tailnet-in missing or not 'fleet-tailnet -> fleet-vlan, ACCEPT, masquerade'"), "\(noPolicy)")
        try host.write(Self.fleetPolicy.replacingOccurrences(of: "  masquerade: yes\n", with: "  masquerade: no\n"), to: "policies.out")
        let noMasquerade = try host.run(step.check)
        #expect(noMasquerade.stdout.contains("permanent: policy fleet-tailnet-in missing or not 'fleet-tailnet -> fleet-vlan, ACCEPT, masquerade'"), "\(noMasquerade)")
    }

    @Test("firewalld direct rules: a FORWARD accept into the VLAN without conntrack, or a DNAT into it, warns")
    func directRules() throws {
        let host = try FakeHost()
        let step = try PlaybookExecutionTests.step("nat-rules")
        try host.write("default via 203.0.113.1 dev bond0 proto static\n", to: "default-route")
        let ours = "ipv4 filter FORWARD 0 -i bond0.1000 -o bond0 -j ACCEPT\nipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o bond0 -j MASQUERADE\n"
        try host.write(ours, to: "rules/runtime")
        try host.write(ours, to: "rules/permanent")
        let quiet = try host.run(step.check)
        #expect(quiet.succeeded && Self.warnings(quiet).isEmpty, "\(quiet)")

        try host.write(ours + """
            ipv4 filter FORWARD 0 -i bond0 -o bond0.1000 -j ACCEPT
            ipv4 filter FORWARD 0 -i bond0 -o bond0.1000 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            ipv4 nat PREROUTING 0 -i bond0 -p tcp --dport 9090 -j DNAT --to-destination 192.168.10.3:9090
            """ + "\n", to: "rules/runtime")
        let loud = try host.run(step.check)
        #expect(loud.succeeded, "warnings must not fail the check: \(loud)")
        let found = Self.warnings(loud)
        #expect(found.count == 2, "\(loud)")
        #expect(found.contains { $0.contains("-i bond0 -o bond0.1000 -j ACCEPT\" forwards new connections into bond0.1000") })
        #expect(found.contains { $0.contains("forwards inbound traffic to 192.168.10.3 on the VLAN") })
    }

    @Test("flintlockd: no TLS and no token warns; a basic-auth token or TLS silences it; other listeners warn")
    func flintlockdExposure() throws {
        let dir = try LocalShell.hostileTemporaryDirectory()
        let config = dir.appendingPathComponent("config.yaml")
        let script = "ep=192.168.10.3:9090\n" + Flintlockd.authWarning.replacingOccurrences(of: Flintlockd.configPath,
                                                                                             with: ShellQuote.quote(config.path))
        var insecure = DemoInventory.flintlock
        insecure.tls = false
        let base = Flintlockd.config(Self.context(DemoInventory.host0), settings: insecure)
        try base.write(to: config, atomically: true, encoding: .utf8)
        #expect(try LocalShell.run(script).stdout.contains("WARNING: flintlockd serves 192.168.10.3:9090 without TLS and without authentication"))
        try (base + "basic-auth-token: s3cret\n").write(to: config, atomically: true, encoding: .utf8)
        #expect(try LocalShell.run(script).stdout.isEmpty)
        try base.replacingOccurrences(of: "insecure: true", with: "insecure: false\ntls-cert: /etc/c.pem")
            .write(to: config, atomically: true, encoding: .utf8)
        #expect(try LocalShell.run(script).stdout.isEmpty)
        // fleet's own TLS config does not warn.
        try Flintlockd.config(Self.context(DemoInventory.host0), settings: DemoInventory.flintlock)
            .write(to: config, atomically: true, encoding: .utf8)
        #expect(try LocalShell.run(script).stdout.isEmpty)

        let host = try FakeHost()
        try host.write("", to: "enabled/flintlockd")
        try host.write("", to: "active/flintlockd")
        let step = try PlaybookExecutionTests.step("flintlockd", DemoInventory.host0,
                                                   DemoInventory.inventory(flintlock: insecure))
        let line = #"LISTEN 0 4096 192.168.10.3:9090 0.0.0.0:* users:(("flintlockd",pid=812,fd=9))"#
        try host.write(line + "\n" + line.replacingOccurrences(of: "192.168.10.3:9090", with: "127.0.0.1:8090") + "\n",
                       to: "ss.out")
        #expect(Self.warnings(try host.run(step.check)).allSatisfy { !$0.contains("also listens") })
        try host.write(line + "\n" + line.replacingOccurrences(of: "192.168.10.3:9090", with: "0.0.0.0:8090") + "\n",
                       to: "ss.out")
        let loud = try host.run(step.check)
        #expect(loud.succeeded)
        #expect(Self.warnings(loud).contains { $0.contains("flintlockd also listens on 0.0.0.0:8090") }, "\(loud)")
    }
}
