import Fleet
import FleetTestSupport
import Foundation
import Testing
@testable import Playbooks

/// The playbook's snippets executed with /bin/sh against ``FakeHost``: check fails, apply
/// converges, check passes, a second apply changes nothing, undo leaves nothing behind.
@Suite("playbook snippets, executed against fake system commands", .serialized, .timeLimit(.minutes(2)))
struct PlaybookExecutionTests {
    static func step(_ id: String, _ device: Device = DemoInventory.hub,
                     _ inventory: Inventory = DemoInventory.inventory(), authKey: String? = nil) throws -> Step {
        try #require(LiquidMetal.steps(for: device, in: inventory, authKey: authKey).first { $0.id == id })
    }

    @Test("VLAN interface: created, addressed and persisted; converged state is left alone; undo removes it")
    func vlan() throws {
        let host = try FakeHost()
        try host.write("ether - - 1 1500 -\n", to: "links/bond0")
        let step = try Self.step("vlan-interface")
        let before = try host.run(step.check)
        #expect(!before.succeeded)
        #expect(before.stdout.contains("bond0.1000: missing"))
        #expect(before.stdout.contains("fleet-vlan-bond0.1000.service: is-enabled disabled"))

        let apply = try host.run(step.apply)
        #expect(apply.succeeded, "\(apply)")
        #expect(apply.stdout.contains("5: bond0.1000@bond0: <BROADCAST,MULTICAST,UP,LOWER_UP>"))
        let after = try host.run(step.check)
        #expect(after.succeeded, "\(after)")

        try host.write("", to: "ip.log")
        #expect(try host.run(step.apply).succeeded)
        #expect(!host.read("ip.log").contains("link delete"))
        #expect(!host.read("ip.log").contains("link add"))

        // An address fleet put there for an earlier inventory is drift and goes on the next apply;
        // one someone else added is a NOTE and stays.
        #expect(host.read("var/lib/fleet/address-bond0.1000") == "bond0.1000 192.168.10.2/25\n")
        try host.write("bond0.1000 192.168.10.98/25\n", to: "var/lib/fleet/address-bond0.1000")
        try host.write("192.168.10.2/25\n192.168.10.98/25\n192.168.10.99/25\n", to: "addrs/bond0.1000")
        let stale = try host.run(step.check)
        #expect(!stale.succeeded)
        #expect(stale.stdout.contains("bond0.1000: still has 192.168.10.98/25, which fleet put there for an earlier inventory"))
        #expect(stale.stdout.contains("NOTE: address 192.168.10.99/25 on bond0.1000 was not added by fleet; left alone"))
        #expect(!stale.stdout.contains("NOTE: address 192.168.10.98/25"))
        #expect(try host.run(step.apply).succeeded)
        #expect(host.read("addrs/bond0.1000") == "192.168.10.2/25\n192.168.10.99/25\n")
        let noted = try host.run(step.check)
        #expect(noted.succeeded && noted.stdout.contains("NOTE: address 192.168.10.99/25"), "\(noted)")

        #expect(!(try host.run(step.undoCheck).succeeded))
        #expect(try host.run(step.undo).succeeded)
        #expect(try host.run(step.undoCheck).succeeded)
        #expect(!host.exists("links/bond0.1000"))
        #expect(!host.exists("var/lib/fleet/address-bond0.1000"))
    }

    @Test("VLAN interface: a link that was there before fleet stays at teardown, with its MTU; fleet's address goes")
    func vlanPreexisting() throws {
        let host = try FakeHost()
        try host.write("ether - - 1 9000 -\n", to: "links/bond0")
        try host.write("vlan bond0 1000 1 9000 -\n", to: "links/bond0.1000")
        try host.write("10.9.9.9/24\n", to: "addrs/bond0.1000")
        var network = DemoInventory.network
        network.mtu = 1400
        let step = try Self.step("vlan-interface", DemoInventory.hub, DemoInventory.inventory(network: network))
        let apply = try host.run(step.apply)
        #expect(apply.succeeded && apply.stdout.contains("bond0.1000 was there before fleet: recorded"), "\(apply)")
        #expect(host.read("var/lib/fleet/link-bond0.1000") == "kept 9000 no\n")
        #expect(host.read("links/bond0.1000") == "vlan bond0 1000 1 1400 -\n")
        // A second apply keeps the first record.
        #expect(try host.run(step.apply).succeeded)
        #expect(host.read("var/lib/fleet/link-bond0.1000") == "kept 9000 no\n")

        #expect(!(try host.run(step.undoCheck).succeeded))
        let undo = try host.run(step.undo)
        #expect(undo.succeeded && undo.stdout.contains("bond0.1000 was there before fleet: left in place"), "\(undo)")
        #expect(host.read("links/bond0.1000") == "vlan bond0 1000 1 9000 -\n", "the link and its MTU as they were")
        #expect(host.read("addrs/bond0.1000") == "10.9.9.9/24\n", "only fleet's address went")
        #expect(try host.run(step.undoCheck).succeeded)

        // Once the kept link is gone, the link fleet creates next is fleet's to delete.
        try FileManager.default.removeItem(at: host.root.appendingPathComponent("links/bond0.1000"))
        #expect(try host.run(step.apply).succeeded)
        #expect(host.read("var/lib/fleet/link-bond0.1000") == "made\n")
        #expect(try host.run(step.undo).succeeded)
        #expect(!host.exists("links/bond0.1000"))
        #expect(!host.exists("var/lib/fleet/link-bond0.1000"))
        #expect(try host.run(step.undoCheck).succeeded)
    }

    @Test("VLAN interface: a link with the wrong VLAN id is recreated")
    func vlanWrongId() throws {
        let host = try FakeHost()
        try host.write("ether - - 1 1500 -\n", to: "links/bond0")
        try host.write("vlan bond0 999 1 1500 -\n", to: "links/bond0.1000")
        let step = try Self.step("vlan-interface")
        #expect(try host.run(step.check).stdout.contains("bond0.1000: not 'vlan protocol 802.1Q id 1000' on bond0"))
        #expect(try host.run(step.apply).succeeded)
        #expect(host.read("links/bond0.1000") == "vlan bond0 1000 1 1500 -\n")
        #expect(try host.run(step.check).succeeded)
    }

    @Test("VLAN interface in bridge mode with an MTU: the address lives on the bridge")
    func vlanBridge() throws {
        let host = try FakeHost()
        try host.write("ether - - 1 1500 -\n", to: "links/bond0")
        var flintlock = DemoInventory.flintlock
        flintlock.networkMode = .bridge("br0")
        var network = DemoInventory.network
        network.mtu = 9000
        let step = try Self.step("vlan-interface", DemoInventory.host0,
                                 DemoInventory.inventory(flintlock: flintlock, network: network))
        // A bridge of that name that fleet did not create is refused, not taken over.
        try host.write("bridge - - 1 1500 -\n", to: "links/br0")
        let foreign = try host.run(step.apply)
        #expect(!foreign.succeeded)
        #expect(foreign.stderr.contains("br0 exists and is not the bridge fleet creates (no ifalias fleet-microvm-bridge)"))
        #expect(try host.run(step.check).stdout.contains("br0: exists but is not the bridge fleet creates"))
        #expect(try host.run(step.undo).succeeded)
        #expect(host.exists("links/br0"), "undo deletes only fleet's bridge")
        try FileManager.default.removeItem(at: host.root.appendingPathComponent("links/br0"))

        // macvtap-era state: the address on the VLAN link, recorded there by fleet; bridge mode
        // moves it to the bridge.
        try host.write("vlan bond0 1000 1 9000 -\n", to: "links/bond0.1000")
        try host.write("192.168.10.3/25\n", to: "addrs/bond0.1000")
        try host.write("bond0.1000 192.168.10.3/25\n", to: "var/lib/fleet/address-bond0.1000")
        #expect(try host.run(step.apply).succeeded)
        #expect(host.read("links/bond0.1000") == "vlan bond0 1000 1 9000 br0\n")
        #expect(host.read("links/br0") == "bridge - - 1 1500 - fleet-microvm-bridge\n")
        #expect(host.read("addrs/br0") == "192.168.10.3/25\n")
        #expect(host.read("addrs/bond0.1000") == "")
        #expect(try host.run(step.check).succeeded)
        try host.write("vlan bond0 1000 1 1500 br0\n", to: "links/bond0.1000")
        #expect(try host.run(step.check).stdout.contains("bond0.1000: mtu 1500, want 9000"))
        #expect(try host.run(step.undo).succeeded)
        #expect(!host.exists("links/br0"))
    }

    @Test("firewalld NAT: both rules runtime and permanent, never added twice, removed by undo")
    func firewalld() throws {
        let host = try FakeHost()
        let step = try Self.step("nat-rules")
        let routeless = try host.run(step.check)
        #expect(!routeless.succeeded && routeless.stderr.contains("no IPv4 default route"), "\(routeless)")
        // The uplink is the default route's interface, not the VLAN's parent.
        try host.write("default via 203.0.113.1 dev eno2 proto static\n", to: "default-route")
        let before = try host.run(step.check)
        #expect(before.stdout.contains("missing at runtime: ipv4 filter FORWARD 0 -i bond0.1000 -o eno2 -j ACCEPT"))
        #expect(before.stdout.contains("missing permanently: ipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o eno2 -j MASQUERADE"))
        // As after an apply of fleet's that made the permanent rule and was cut short:
        try host.write("ipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o eno2 -j MASQUERADE\n", to: "rules/permanent")
        try host.write("ipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o eno2 -j MASQUERADE\n", to: "var/lib/fleet/firewalld-rules-added")
        #expect(try host.run(step.apply).succeeded)
        #expect(try host.run(step.check).succeeded)
        #expect(try host.run(step.apply).succeeded)
        #expect(!host.read("firewall.log").contains("DUPLICATE"))
        let rules = "ipv4 filter FORWARD 0 -i bond0.1000 -o eno2 -j ACCEPT\nipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o eno2 -j MASQUERADE\n"
        #expect(host.read("rules/runtime") == rules)
        #expect(Set(host.read("rules/permanent").split(separator: "\n")) == Set(rules.split(separator: "\n")))

        // The uplink moves: the rules for the old one are drift, replaced by the apply.
        try host.write("default via 203.0.113.1 dev bond0 proto static\n", to: "default-route")
        let moved = try host.run(step.check)
        #expect(moved.stdout.contains("leaves by another interface than the uplink bond0: ipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o eno2 -j MASQUERADE"), "\(moved)")
        #expect(try host.run(step.apply).succeeded)
        #expect(host.read("rules/runtime") == rules.replacingOccurrences(of: "eno2", with: "bond0"))
        #expect(try host.run(step.check).succeeded)

        // Teardown removes fleet's rules whatever uplink they name, even without a default route.
        try host.write("ipv4 filter FORWARD 0 -i bond0.1000 -o eno2 -j ACCEPT\n", to: "rules/permanent")
        try FileManager.default.removeItem(at: host.root.appendingPathComponent("default-route"))
        #expect(!(try host.run(step.undoCheck).succeeded))
        #expect(try host.run(step.undo).succeeded)
        #expect(try host.run(step.undoCheck).succeeded)
        #expect(host.read("rules/runtime").isEmpty && host.read("rules/permanent").isEmpty)
    }

    @Test("firewalld forwarding: undo reads firewalld once, unbinds and deletes fleet's zones and policies, names a stopped firewalld")
    func firewalldForwardingUndo() throws {
        let (host, step) = try Self.forwardingHost()
        let undo = try host.run(step.undo)
        #expect(undo.succeeded, "\(undo)")
        let calls = host.read("firewall.log").split(separator: "\n").map(String.init)
        #expect(calls == [
            "firewall-cmd --permanent --delete-policy=fleet-tailnet-in",
            "firewall-cmd --permanent --zone=fleet-tailnet --remove-interface=tailscale0",
            "firewall-cmd --permanent --delete-zone=fleet-tailnet",
            "firewall-cmd --permanent --delete-policy=fleet-vlan-out",
            "firewall-cmd --permanent --zone=fleet-vlan --remove-interface=bond0.1000",
            "firewall-cmd --permanent --delete-zone=fleet-vlan",
            "firewall-cmd --reload",
        ], "every listing came from the one reader: \(calls)")
        #expect(host.read("python.log").split(separator: "\n").count == 1)

        try host.write("", to: "firewalld-stopped")
        let stopped = try host.run(step.undo)
        #expect(!stopped.succeeded)
        #expect(stopped.stderr.contains("firewalld is not running: start it so fleet's zones and policies can be removed"), "\(stopped)")
    }

    /// A fake hub where firewalld has fleet's zones and policies, and the forwarding step.
    static func forwardingHost() throws -> (FakeHost, Step) {
        let host = try FakeHost()
        try host.write(ExposureWarningTests.quietZones, to: "zones.out")
        try host.write(ExposureWarningTests.fleetPolicy, to: "policies.out")
        return (host, try step("nat-forwarding"))
    }

    @Test("in a batch that changes nothing, nat-forwarding's and nat-rules' checks share one firewalld reading; without FLEET_READS each reads")
    func firewalldReadingShared() throws {
        let (host, forwarding) = try Self.forwardingHost()
        let rules = try Self.step("nat-rules")
        try host.write("default via 203.0.113.1 dev bond0 proto static\n", to: "default-route")
        let reads = host.root.appendingPathComponent("reads")
        try FileManager.default.createDirectory(at: reads, withIntermediateDirectories: true)
        let shared = "FLEET_READS=\(ShellQuote.quote(reads.path)); export FLEET_READS\n"
        _ = try host.run(shared + forwarding.check)
        let first = try host.run(shared + rules.check)
        #expect(host.read("python.log").split(separator: "\n").count == 1, "one reading for both checks")
        #expect(first.stdout.contains("missing at runtime: ipv4 filter FORWARD 0 -i bond0.1000 -o bond0 -j ACCEPT"), "\(first)")
        #expect(host.read("firewall.log").isEmpty, "\(host.read("firewall.log"))")

        try host.write("", to: "python.log")
        _ = try host.run(forwarding.check)
        _ = try host.run(rules.check)
        #expect(host.read("python.log").split(separator: "\n").count == 2, "each check reads for itself")
    }

    @Test("firewalld reader without python's dbus module: the listings come from firewall-cmd, and only a stopped firewalld reads as not running")
    func firewalldReaderFallback() throws {
        let (host, step) = try Self.forwardingHost()
        try host.write("", to: "no-dbus")
        let undo = try host.run(step.undo)
        #expect(undo.succeeded, "\(undo)")
        let calls = host.read("firewall.log")
        #expect(calls.contains("firewall-cmd --permanent --list-all-zones") && calls.contains("firewall-cmd --permanent --delete-zone=fleet-vlan"),
                "the fallback listed and the undo removed fleet's zone: \(calls)")

        try host.write("", to: "firewall-refuses")
        let refused = try host.run(step.undo)
        #expect(!refused.succeeded)
        #expect(refused.stderr.contains("firewall-cmd --list-all-zones failed (exit 1): Authorization failed."), "\(refused)")
        #expect(!refused.stderr.contains("not running"), "\(refused)")

        try host.write("", to: "firewalld-stopped")
        let stopped = try host.run(step.undo)
        #expect(stopped.stderr.contains("firewalld is not running: start it so fleet's zones and policies can be removed"), "\(stopped)")
    }

    @Test("firewalld NAT: a rule that was there before fleet stays at teardown; a same-shaped rule of someone else's is never removed")
    func firewalldPreexisting() throws {
        let host = try FakeHost()
        let step = try Self.step("nat-rules")
        try host.write("default via 203.0.113.1 dev bond0 proto static\n", to: "default-route")
        let theirs = "ipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o bond0 -j MASQUERADE\n"
        let other = "ipv4 filter FORWARD 0 -i bond0.1000 -o eth9 -j ACCEPT\n"
        try host.write(theirs + other, to: "rules/runtime")
        try host.write(theirs + other, to: "rules/permanent")
        let apply = try host.run(step.apply)
        #expect(apply.succeeded, "\(apply)")
        #expect(apply.stdout.contains("there before fleet, kept at teardown: ipv4 nat POSTROUTING 0 -s 192.168.10.0/25 -o bond0 -j MASQUERADE"))
        #expect(host.read("rules/runtime").contains(other), "a rule fleet did not add is not 'stale'")
        #expect(try host.run(step.check).succeeded)
        #expect(try host.run(step.apply).succeeded)
        #expect(!(try host.run(step.undoCheck).succeeded))
        #expect(try host.run(step.undo).succeeded)
        #expect(try host.run(step.undoCheck).succeeded)
        #expect(host.read("rules/runtime") == theirs + other && host.read("rules/permanent") == theirs + other)
    }

    @Test("nftables NAT on a hub where firewalld runs: drift in check, refused by apply with both ways out, nothing enabled")
    func nftablesUnderFirewalld() throws {
        let host = try FakeHost()
        let step = try Self.step("nat-rules", DemoInventory.hub, DemoInventory.inventory(nat: .nftables))
        try host.write("default via 203.0.113.1 dev bond0 proto static\n", to: "default-route")
        try host.write("", to: "active/firewalld.service")
        let check = try host.run(step.check)
        #expect(!check.succeeded && check.stdout.contains("firewalld is running on this hub"), "\(check)")
        let apply = try host.run(step.apply)
        #expect(!apply.succeeded, "\(apply)")
        #expect(apply.stderr.contains(#"Use "nat": {"backend": "firewalld"}, or stop firewalld (systemctl disable --now firewalld)"#))
        let calls = host.read("systemctl.log")
        #expect(!calls.contains("enable -- fleet-nat") && !calls.contains("restart"), "nothing of the backend is started: \(calls)")
        try FileManager.default.removeItem(at: host.root.appendingPathComponent("active/firewalld.service"))
        #expect(!(try host.run(step.check).stdout.contains("firewalld is running")))
    }

    @Test("nftables NAT check: the table must hold the uplink's masquerade and, with Tailscale, the tailnet's")
    func nftablesRules() throws {
        let host = try FakeHost()
        let step = try Self.step("nat-rules", DemoInventory.hub, DemoInventory.inventory(nat: .nftables))
        try host.write("default via 203.0.113.1 dev bond0 proto static\n", to: "default-route")
        try LocalShell.writeExecutable("#!/bin/sh\ncat \"$FAKE/nft-table\" 2>/dev/null || { echo 'Error: No such file or directory'; exit 1; }\n",
                                       at: host.bin.appendingPathComponent("nft"))
        let uplink = "\t\tip saddr 192.168.10.0/25 oifname \"bond0\" masquerade\n"
        let tailnet = "\t\tiifname \"tailscale0\" ip daddr 192.168.10.0/25 oifname \"bond0.1000\" masquerade\n"
        let table = { (rules: String) in "table ip fleet_nat {\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n" + rules + "\t}\n}\n" }
        #expect(try host.run(step.check).stdout.contains("table ip fleet_nat: missing"))
        try host.write(table(uplink), to: "nft-table")
        let noTailnet = try host.run(step.check)
        #expect(noTailnet.stdout.contains(#"no rule 'iifname "tailscale0" ip daddr 192.168.10.0/25 oifname "bond0.1000" masquerade'"#), "\(noTailnet)")
        try host.write(table(tailnet), to: "nft-table")
        #expect(try host.run(step.check).stdout.contains(#"no rule 'ip saddr 192.168.10.0/25 oifname "bond0" masquerade'"#))
        try host.write(table(uplink + tailnet), to: "nft-table")
        let both = try host.run(step.check)
        #expect(!both.stdout.contains("no rule") && !both.stdout.contains("missing"), "\(both)")
    }

    static let statusNeedsLogin = #"{"Version": "1.76.1", "BackendState": "NeedsLogin", "Self": {"ID": ""}, "Peer": null}"#
    static func status(primaryRoutes: Bool) -> String {
        """
        {
          "Version": "1.76.1",
          "TUN": true,
          "BackendState": "Running",
          "Self": {
            "HostName": "network-hub",
            "Capabilities": ["https://tailscale.com/cap/is-admin"],
            \(primaryRoutes ? "\"PrimaryRoutes\": [\n      \"192.168.10.0/25\"\n    ]," : "")
            "Online": true
          },
          "MagicDNSSuffix": "example.ts.net",
          "Peer": {
            "nodekey:abc": { "HostName": "other-router", "PrimaryRoutes": ["192.168.10.0/25"] }
          }
        }
        """
    }
    static let prefs = """
        {
        \t"ControlURL": "https://controlplane.tailscale.com",
        \t"Hostname": "network-hub",
        \t"AdvertiseTags": [
        \t\t"tag:liquid-metal"
        \t],
        \t"AdvertiseRoutes": [
        \t\t"192.168.10.0/25"
        \t],
        \t"NoSNAT": false
        }
        """

    @Test("tailscale up: key only in a 0600 file that is removed; route approval is a NOTE; undo logs out")
    func tailscaleUp() throws {
        let host = try FakeHost()
        try host.write(Self.statusNeedsLogin, to: "status.json")
        try host.write(#"{"AdvertiseRoutes": null}"#, to: "prefs.json")
        try host.write(Self.status(primaryRoutes: false), to: "status-after-up.json")
        try host.write(Self.prefs, to: "prefs-after-up.json")
        let step = try Self.step("tailscale-up", authKey: DemoInventory.authKey)

        let before = try host.run(step.check)
        #expect(before.stdout.contains("BackendState NeedsLogin (want Running)"))
        #expect(before.stdout.contains("AdvertiseRoutes [] lacks 192.168.10.0/25"))
        let apply = try host.run(step.apply)
        #expect(apply.succeeded, "\(apply)")
        #expect(host.read("key-seen") == DemoInventory.authKey + "\n")
        #expect(host.read("key-mode") == "600\n")
        let keyPath = host.read("key-path").trimmingCharacters(in: .newlines)
        #expect(keyPath.hasPrefix("/run/fleet-tailscale-key."))
        #expect(!FileManager.default.fileExists(atPath: keyPath))
        let up = host.read("tailscale.log").split(separator: "\n").first { $0.hasPrefix("tailscale up") } ?? ""
        #expect(up.hasPrefix("tailscale up --auth-key=file:/run/fleet-tailscale-key."))
        #expect(up.hasSuffix(" --reset --accept-dns=false --advertise-routes=192.168.10.0/25 --timeout=60s --hostname=network-hub"
                             + " --advertise-tags=tag:liquid-metal"))
        #expect(!host.read("tailscale.log").contains(DemoInventory.authKey))
        #expect(!apply.output.contains(DemoInventory.authKey))

        let waiting = try host.run(step.check)
        #expect(waiting.succeeded, "\(waiting)")
        #expect(waiting.stdout.contains("NOTE: 192.168.10.0/25 is advertised but not approved yet"))
        try host.write(Self.status(primaryRoutes: true), to: "status.json")
        let approved = try host.run(step.check)
        #expect(approved.succeeded && !approved.stdout.contains("NOTE"))
        // accept-dns on (what a bare --reset leaves) would hand the hub's resolv.conf to tailscaled.
        try host.write(Self.prefs.replacingOccurrences(of: "\t\"NoSNAT\": false", with: "\t\"CorpDNS\": true,\n\t\"NoSNAT\": false"),
                       to: "prefs.json")
        let dns = try host.run(step.check)
        #expect(!dns.succeeded && dns.stdout.contains("accept-dns is on (CorpDNS true)"), "\(dns)")

        #expect(host.exists("var/lib/fleet/tailscale-logged-in-by-fleet"))
        #expect(!(try host.run(step.undoCheck).succeeded))
        #expect(try host.run(step.undo).succeeded)
        #expect(host.read("tailscale.log").contains("tailscale logout"))
        #expect(!host.exists("var/lib/fleet/tailscale-logged-in-by-fleet"))
        #expect(try host.run(step.undoCheck).succeeded)
    }

    @Test("a node that was logged in before fleet is reconfigured, and teardown does not log it out")
    func tailscalePreexisting() throws {
        let host = try FakeHost()
        try host.write(Self.status(primaryRoutes: true), to: "status.json")
        try host.write(#"{"AdvertiseRoutes": null}"#, to: "prefs.json")
        try host.write(Self.status(primaryRoutes: true), to: "status-after-up.json")
        try host.write(Self.prefs, to: "prefs-after-up.json")
        let step = try Self.step("tailscale-up", authKey: DemoInventory.authKey)
        let apply = try host.run(step.apply)
        #expect(apply.succeeded, "\(apply)")
        #expect(apply.stdout.contains("this node was logged in before fleet: teardown will leave it logged in"))
        #expect(try host.run(step.undoCheck).succeeded, "nothing of fleet's to undo")
        #expect(try host.run(step.undo).succeeded)
        #expect(!host.read("tailscale.log").contains("tailscale logout"))
        #expect(host.exists("var/lib/fleet/tailscale-logged-in-before-fleet"))
    }

    @Test("without a key, a logged-in hub is reconfigured and a logged-out one gets the message")
    func tailscaleWithoutKey() throws {
        let host = try FakeHost()
        try host.write(Self.statusNeedsLogin, to: "status.json")
        try host.write(Self.status(primaryRoutes: true), to: "status-after-up.json")
        try host.write(Self.prefs, to: "prefs-after-up.json")
        let step = try Self.step("tailscale-up")
        let refused = try host.run(step.apply)
        #expect(!refused.succeeded)
        #expect(refused.stderr.contains(
            "no Tailscale auth key provided (set TS_AUTHKEY in fleet's environment); it is needed to log this hub in"
                + " (BackendState NeedsLogin)"))
        #expect(!host.read("tailscale.log").contains("tailscale up"))

        try host.write(Self.status(primaryRoutes: true), to: "status.json")
        try host.write(#"{"AdvertiseRoutes": null}"#, to: "prefs.json")
        #expect(try host.run(step.apply).succeeded)
        #expect(host.read("tailscale.log").contains("tailscale up --reset --accept-dns=false --advertise-routes=192.168.10.0/25"))
        #expect(!host.read("tailscale.log").contains("--auth-key"))
        #expect(try host.run(step.check).succeeded)
    }

    @Test("flintlockd must listen on the VLAN address and nowhere else")
    func flintlockdListening() throws {
        let host = try FakeHost()
        try host.write("", to: "enabled/flintlockd")
        try host.write("", to: "active/flintlockd")
        var insecure = DemoInventory.flintlock
        insecure.tls = false
        let step = try Self.step("flintlockd", DemoInventory.host0, DemoInventory.inventory(flintlock: insecure))
        let line = #"LISTEN 0 4096 192.168.10.3:9090 0.0.0.0:* users:(("flintlockd",pid=812,fd=9))"#
        try host.write(line + "\n", to: "ss.out")
        #expect(try host.run(step.check).succeeded)
        for wildcard in ["0.0.0.0:9090", "*:9090", "[::]:9090", "203.0.113.11:9090"] {
            try host.write(line + "\n" + line.replacingOccurrences(of: "192.168.10.3:9090", with: wildcard) + "\n",
                           to: "ss.out")
            let result = try host.run(step.check)
            #expect(!result.succeeded)
            #expect(result.stdout.contains("flintlockd listens on \(wildcard): it must listen on 192.168.10.3:9090 only"),
                    "\(result)")
        }
        try host.write("", to: "ss.out")
        #expect(try host.run(step.check).stdout.contains("flintlockd: not listening on 192.168.10.3:9090"))
    }

    @Test("with TLS, flintlockd must serve the certificate in its file, not another or none")
    func flintlockdServesItsCertificate() throws {
        let host = try FakeHost()
        try host.write("", to: "enabled/flintlockd")
        try host.write("", to: "active/flintlockd")
        try host.write(#"LISTEN 0 4096 192.168.10.3:9090 0.0.0.0:* users:(("flintlockd",pid=812,fd=9))"# + "\n", to: "ss.out")
        let certificate = host.root.appendingPathComponent("server.crt").path
        let check = try Self.step("flintlockd", DemoInventory.host0).check
            .replacingOccurrences(of: ShellQuote.quote(FlintlockdTLS.certificatePath), with: ShellQuote.quote(certificate))
        try host.write("CERT A\n", to: "server.crt")
        try host.write("CERT A\n", to: "served.crt")
        let served = try host.run(check)
        #expect(served.succeeded, "\(served)")
        #expect(!served.stdout.contains("WARNING"), "TLS silences the no-auth warning: \(served)")
        try host.write("CERT B\n", to: "served.crt")
        let other = try host.run(check)
        #expect(!other.succeeded)
        #expect(other.stdout.contains("flintlockd on 192.168.10.3:9090 does not serve the certificate in \(certificate)"), "\(other)")
        try FileManager.default.removeItem(atPath: host.root.appendingPathComponent("served.crt").path)
        try host.write("", to: "openssl.log")
        let plain = try host.run(check)
        #expect(!plain.succeeded)
        #expect(plain.stdout.contains("served: no TLS certificate"), "\(plain)")
        #expect(host.read("openssl.log").split(separator: "\n").count == 3, "no certificate at all is asked for three times")
        // A flintlockd that answers only from its second handshake on (just restarted) passes.
        try host.write("CERT A\n", to: "served-later.crt")
        let later = try host.run(check)
        #expect(later.succeeded, "\(later)")
    }

    @Test("ISC DHCP server: active and listening on the VLAN per this boot's journal")
    func dhcpListening() throws {
        let host = try FakeHost()
        try host.write("", to: "enabled/isc-dhcp-server")
        try host.write("", to: "active/isc-dhcp-server")
        let step = try Self.step("dhcp-server")
        try host.write("Listening on LPF/bond0.999/52:54:00:12:34:56/192.168.10.0/25\n", to: "journal.out")
        #expect(try host.run(step.check).stdout.contains("dhcpd does not serve bond0.1000 (journal: Listening on LPF/bond0.999/"))
        try host.write("Listening on LPF/bond0.999/x/y\nListening on LPF/bond0.1000/52:54:00:12:34:56/192.168.10.0/25\n"
                       + "Sending on   LPF/bond0.1000/52:54:00:12:34:56/192.168.10.0/25\nServer starting service.\n",
                       to: "journal.out")
        #expect(try host.run(step.check).succeeded)
    }

    @Test("INTERFACESv4 is replaced as a whole line, appended when missing, and stable on re-render")
    func interfacesLine() throws {
        let host = try FakeHost()
        let context = PlaybookContext(
            inventory: DemoInventory.inventory(), device: DemoInventory.hub, network: DemoInventory.network,
            address: DemoInventory.address("192.168.10.2"), authKey: nil)
        let file = host.root.appendingPathComponent("isc-dhcp-server").path
        let script = ISCDHCP.interfacesLine(context)
            .replacingOccurrences(of: "f=/etc/default/isc-dhcp-server", with: "f=\(ShellQuote.quote(file))")
        try host.write("# Defaults\nINTERFACESv4=\"\"\nINTERFACESv6=\"\"\n  INTERFACESv4=\"eth9\"\n", to: "isc-dhcp-server")
        let rendered = try host.run(script)
        #expect(rendered.stdout == "# Defaults\nINTERFACESv4=\"bond0.1000\"\nINTERFACESv6=\"\"\n")
        try host.write(rendered.stdout, to: "isc-dhcp-server")
        #expect(try host.run(script).stdout == rendered.stdout)
        try host.write("OPTIONS=\"\"", to: "isc-dhcp-server")
        #expect(try host.run(script).stdout == "OPTIONS=\"\"\nINTERFACESv4=\"bond0.1000\"\n")
    }

    @Test("dnsServers auto: the hub's upstream resolvers, without the stub, rendered on the host")
    func upstreamDNS() throws {
        let host = try FakeHost()
        try host.write("Global: 127.0.0.53 1.1.1.1#cloudflare-dns.com\nLink 2 (bond0): 147.75.207.207 147.75.207.208"
                       + " 2001:db8::53 1.1.1.1\nLink 5 (bond0.1000):\n", to: "resolvectl.out")
        var network = DemoInventory.network
        network.dnsServers = .auto
        let content = UpstreamDNS.content(.auto) { dns in
            ISCDHCP.config(PlaybookContext(inventory: DemoInventory.inventory(network: network), device: DemoInventory.hub,
                                           network: network, address: DemoInventory.address("192.168.10.2"),
                                           authKey: nil), dns: dns)
        }
        guard case .generated(let script) = content else { Issue.record("expected generated content"); return }
        let rendered = try host.run(script)
        #expect(rendered.succeeded, "\(rendered)")
        #expect(rendered.stdout.contains("  option domain-name-servers 1.1.1.1, 147.75.207.207, 147.75.207.208;\n}\n"))
        #expect(rendered.stdout.hasPrefix("# Managed by fleet: DHCP for the Liquid Metal VLAN 1000 (bond0.1000).\n"))
    }
}
