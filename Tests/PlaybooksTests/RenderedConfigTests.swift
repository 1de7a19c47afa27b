import Fleet
import Foundation
import Playbooks
import Testing

/// The configuration files exactly as the steps ship them: decoded from the base64 inside each
/// step's apply snippet, not rendered by calling internals.
@Suite("rendered configuration files")
struct RenderedConfigTests {
    static func step(_ id: String, _ device: Device = DemoInventory.hub,
                     _ inventory: Inventory = DemoInventory.inventory()) throws -> Step {
        try #require(LiquidMetal.steps(for: device, in: inventory, authKey: nil).first { $0.id == id })
    }

    /// The content of the first `base64 -d <<'FLEET_B64'` here-document in the apply snippet.
    static func shipped(_ step: Step) throws -> String {
        let start = try #require(step.apply.range(of: "base64 -d <<'FLEET_B64'\n"))
        let rest = step.apply[start.upperBound...]
        let end = try #require(rest.range(of: "\nFLEET_B64\n"))
        let data = try #require(Data(base64Encoded: String(rest[..<end.lowerBound]), options: .ignoreUnknownCharacters))
        return String(decoding: data, as: UTF8.self)
    }

    @Test("dhcpd.conf carries the docs' values (§3.2) plus a header")
    func dhcpd() throws {
        #expect(try Self.shipped(Self.step("dhcp-config")) == """
            # Managed by fleet: DHCP for the Liquid Metal VLAN 1000 (bond0.1000).
            default-lease-time 600;
            max-lease-time 7200;
            authoritative;

            subnet 192.168.10.0 netmask 255.255.255.128 {
              range 192.168.10.26 192.168.10.126;
              option routers 192.168.10.2;
              option domain-name-servers 147.75.207.207, 147.75.207.208;
            }

            """)
        #expect(try Self.step("dhcp-config").apply.contains(#"dhcpd -t -4 -cf "$candidate""#))
    }

    @Test("kea-dhcp4.conf matches the Kea equivalent of the pool (§9)")
    func kea() throws {
        let step = try Self.step("dhcp-config", DemoInventory.hub, DemoInventory.inventory(dhcp: .kea))
        #expect(try Self.shipped(step) == """
            // Managed by fleet: DHCP for the Liquid Metal VLAN 1000 (bond0.1000).
            {
              "Dhcp4": {
                "interfaces-config": { "interfaces": [ "bond0.1000" ] },
                "authoritative": true,
                "valid-lifetime": 600,
                "max-valid-lifetime": 7200,
                "lease-database": { "type": "memfile", "persist": true, "name": "/var/lib/kea/kea-leases4.csv" },
                "subnet4": [
                  {
                    "id": 1,
                    "subnet": "192.168.10.0/25",
                    "pools": [ { "pool": "192.168.10.26 - 192.168.10.126" } ],
                    "option-data": [
                      { "name": "routers", "data": "192.168.10.2" },
                      { "name": "domain-name-servers", "data": "147.75.207.207, 147.75.207.208" }
                    ]
                  }
                ]
              }
            }

            """)
        #expect(step.apply.contains(#"kea-dhcp4 -t "$candidate""#))
    }

    @Test("with a VLAN MTU, both DHCP servers hand it out (ISC interface-mtu, Kea option 26)")
    func dhcpMTU() throws {
        var network = DemoInventory.network
        network.mtu = 1400
        let isc = try Self.shipped(Self.step("dhcp-config", DemoInventory.hub, DemoInventory.inventory(network: network)))
        #expect(isc.contains("  option domain-name-servers 147.75.207.207, 147.75.207.208;\n  option interface-mtu 1400;\n}\n"), "\(isc)")
        let kea = try Self.shipped(Self.step("dhcp-config", DemoInventory.hub,
                                             DemoInventory.inventory(dhcp: .kea, network: network)))
        #expect(kea.contains(#"{ "name": "interface-mtu", "data": "1400" }"#), "\(kea)")
        // Still JSON once the comment line is gone.
        let json = kea.split(separator: "\n").filter { !$0.hasPrefix("//") }.joined(separator: "\n")
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil, "\(json)")
        // Without an MTU, neither mentions one.
        #expect(!(try Self.shipped(Self.step("dhcp-config"))).contains("mtu"))
    }

    @Test("flintlockd config.yaml: mutual TLS by default, on the VLAN address and fleet's bridge; insecure only when asked")
    func flintlockdConfig() throws {
        #expect(try Self.shipped(Self.step("flintlockd-config", DemoInventory.host0)) == """
            # Managed by fleet. Mutual TLS: this host's certificate for its VLAN address, and
            # only clients with a certificate from the environment's CA are served.
            insecure: false
            tls-cert: /etc/opt/flintlockd/tls/server.crt
            tls-key: /etc/opt/flintlockd/tls/server.key
            tls-client-validate: true
            tls-client-ca: /etc/opt/flintlockd/tls/client-ca.crt
            containerd-socket: /run/containerd/containerd.sock
            grpc-endpoint: 192.168.10.3:9090
            bridge-name: fleetbr0

            """)
        var legacy = DemoInventory.flintlock
        legacy.networkMode = .macvtap
        legacy.tls = false
        let macvtap = try Self.shipped(Self.step("flintlockd-config", DemoInventory.host0,
                                                 DemoInventory.inventory(flintlock: legacy)))
        #expect(macvtap.contains("insecure: true\ncontainerd-socket:"), "\(macvtap)")
        #expect(macvtap.hasSuffix("grpc-endpoint: 192.168.10.3:9090\nparent-iface: bond0.1000\n"))
        #expect(!macvtap.contains("tls-"))
        var flintlock = DemoInventory.flintlock
        flintlock.networkMode = .bridge("br-lm")
        flintlock.grpcPort = 9443
        let bridged = try Self.shipped(Self.step("flintlockd-config", DemoInventory.host0,
                                                 DemoInventory.inventory(flintlock: flintlock)))
        #expect(bridged.contains("grpc-endpoint: 192.168.10.3:9443\nbridge-name: br-lm\n"))
        #expect(!bridged.contains("0.0.0.0"))
    }

    @Test("containerd config.toml uses the devmapper snapshotter on flintlock-thinpool")
    func containerd() throws {
        #expect(try Self.shipped(Self.step("containerd-config", DemoInventory.host0)) == """
            # Managed by fleet: containerd with the devmapper snapshotter for flintlockd.
            version = 2

            root = "/var/lib/containerd"
            state = "/run/containerd"

            [grpc]
              address = "/run/containerd/containerd.sock"

            [plugins]
              [plugins."io.containerd.snapshotter.v1.devmapper"]
                pool_name = "flintlock-thinpool"
                root_path = "/var/lib/containerd/snapshotter/devmapper"
                base_image_size = "10GB"
                discard_blocks = true

            """)
    }

    @Test("the VLAN unit creates, addresses and raises the link, and deletes it on stop")
    func vlanUnit() throws {
        #expect(try Self.shipped(Self.step("vlan-unit")) == #"""
            # Managed by fleet: VLAN 1000 on bond0 as bond0.1000, 192.168.10.2/25 on bond0.1000.
            [Unit]
            Description=fleet: VLAN 1000 on bond0 (bond0.1000)
            BindsTo=sys-subsystem-net-devices-bond0.device
            After=sys-subsystem-net-devices-bond0.device network-pre.target
            Wants=network.target
            Before=network.target

            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=-/sbin/ip link add link bond0 name bond0.1000 type vlan id 1000
            ExecStart=/sbin/ip addr replace 192.168.10.2/25 dev bond0.1000
            ExecStart=/sbin/ip link set dev bond0.1000 up
            ExecStop=-/bin/sh -c 'grep -qs ^kept /var/lib/fleet/link-bond0.1000 || exec /sbin/ip link delete dev bond0.1000'

            [Install]
            WantedBy=multi-user.target sys-subsystem-net-devices-bond0.device

            """#)
        #expect(try Self.step("vlan-unit").apply.contains("/etc/systemd/system/fleet-vlan-bond0.1000.service"))
    }

    @Test("in bridge mode with an MTU the unit builds the bridge and puts the address on it")
    func vlanUnitBridge() throws {
        var flintlock = DemoInventory.flintlock
        flintlock.networkMode = .bridge("br0")
        var network = DemoInventory.network
        network.mtu = 1400
        var host = DemoInventory.host0
        host.parentInterface = "enp1s0-a"
        let unit = try Self.shipped(Self.step("vlan-unit", host, DemoInventory.inventory(
            flintlock: flintlock, network: network, devices: [DemoInventory.hub, host])))
        #expect(unit.contains(#"BindsTo=sys-subsystem-net-devices-enp1s0\x2da.device"#))
        #expect(unit.contains(#"WantedBy=multi-user.target sys-subsystem-net-devices-enp1s0\x2da.device"#))
        #expect(unit.contains("""
            ExecStart=-/sbin/ip link add link enp1s0-a name enp1s0-a.1000 type vlan id 1000
            ExecStart=-/sbin/ip link set dev enp1s0-a.1000 mtu 1400
            ExecStart=-/sbin/ip link add name br0 type bridge
            ExecStart=/sbin/ip link set dev br0 alias fleet-microvm-bridge
            ExecStart=/sbin/ip link set dev enp1s0-a.1000 master br0
            ExecStart=/sbin/ip link set dev br0 up
            ExecStart=/sbin/ip addr replace 192.168.10.3/25 dev br0
            ExecStart=/sbin/ip link set dev enp1s0-a.1000 up
            ExecStop=-/bin/sh -c 'grep -qs ^kept /var/lib/fleet/link-enp1s0-a.1000 || exec /sbin/ip link delete dev enp1s0-a.1000'
            ExecStop=-/bin/sh -c 'test "$$(cat /sys/class/net/br0/ifalias)" = fleet-microvm-bridge && exec /sbin/ip link delete dev br0'
            """))
    }

    @Test("the flintlockd unit is upstream's plus ordering after containerd and the VLAN")
    func flintlockdUnit() throws {
        let unit = try Self.shipped(Self.step("flintlockd-unit", DemoInventory.host0))
        #expect(unit.contains("""
            Requires=containerd.service
            After=containerd.service fleet-vlan-bond0.1000.service
            Wants=fleet-vlan-bond0.1000.service
            """))
        #expect(unit.contains("ExecStart=/usr/local/bin/flintlockd run\nRestart=always\nRestartSec=5\n"))
        #expect(unit.contains("KillMode=process\n\n[Install]\nWantedBy=multi-user.target\n"))
    }

    @Test("the nftables table masquerades the VLAN subnet out of the uplink: the inventory's, else the default route's")
    func nftables() throws {
        var inventory = DemoInventory.inventory(nat: .nftables)
        inventory.nat.uplink = "eno2"
        let ruleset = try Self.shipped(Self.step("nat-ruleset", DemoInventory.hub, inventory))
        #expect(ruleset.contains("table ip fleet_nat\ndelete table ip fleet_nat\ntable ip fleet_nat {\n"))
        #expect(ruleset.contains("\t\tip saddr 192.168.10.0/25 oifname \"eno2\" masquerade\n"))
        // With Tailscale, the tailnet's traffic into the VLAN is masqueraded here too, not only by tailscaled.
        #expect(ruleset.contains("\t\tiifname \"tailscale0\" ip daddr 192.168.10.0/25 oifname \"bond0.1000\" masquerade\n\t}\n"))
        var untailed = DemoInventory.inventory(tailscale: nil, nat: .nftables)
        untailed.nat.uplink = "eno2"
        #expect(!(try Self.shipped(Self.step("nat-ruleset", DemoInventory.hub, untailed))).contains("tailscale0"))
        let unit = try Self.shipped(Self.step("nat-unit", DemoInventory.hub, inventory))
        #expect(unit.contains("PartOf=nftables.service\nReloadPropagatedFrom=nftables.service\n"))
        #expect(unit.contains("ExecReload=/usr/sbin/nft -f /etc/fleet/nat.nft\n"))

        let host = try FakeHost()
        let step = try Self.step("nat-ruleset", DemoInventory.hub, DemoInventory.inventory(nat: .nftables))
        let none = try host.run(step.check)
        #expect(!none.succeeded && none.output.contains("no IPv4 default route"), "\(none)")
        try host.write("default via 203.0.113.1 dev bond1 proto static\n", to: "default-route")
        let drift = try host.run(step.check)
        #expect(drift.output.contains("+\t\tip saddr 192.168.10.0/25 oifname \"bond1\" masquerade"), "\(drift)")
    }

    @Test("sysctl forwarding goes to /etc/sysctl.d, not /etc/sysctl.conf")
    func forwarding() throws {
        let step = try Self.step("ip-forwarding")
        #expect(step.apply.contains("/etc/sysctl.d/90-fleet-ip-forward.conf"))
        #expect(!step.apply.contains("/etc/sysctl.conf"))
        #expect(try Self.shipped(step) == "# Managed by fleet (ip-forwarding).\nnet.ipv4.ip_forward = 1\n")
    }

    @Test("firecracker and flintlockd come from the pinned release URLs and are checked by sha256")
    func releaseBinaries() throws {
        var flintlock = DemoInventory.flintlock
        flintlock.artifactBaseURL = "https://mirror.example/gh/"
        let inventory = DemoInventory.inventory(flintlock: flintlock)
        let firecracker = try Self.step("firecracker", DemoInventory.host0, inventory).apply
        #expect(firecracker.contains(
            "url=https://mirror.example/gh/firecracker-microvm/firecracker/releases/download/v1.15.1/firecracker-v1.15.1-x86_64.tgz"))
        #expect(firecracker.contains("member=release-v1.15.1-x86_64/firecracker-v1.15.1-x86_64"))
        #expect(firecracker.contains("sha256sum -c -"))
        let flintlockd = try Self.step("flintlockd-binary", DemoInventory.host0, inventory).apply
        #expect(flintlockd.contains(
            "url=https://mirror.example/gh/liquidmetal-dev/flintlock/releases/download/v0.11.0/flintlockd_amd64"))
        #expect(flintlockd.contains("sha=\(String(repeating: "a", count: 64))"))
    }
}
