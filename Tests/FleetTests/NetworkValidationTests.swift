import Testing

@testable import Fleet

/// Broken address plans: subnet, gateway, pool, reserved addresses, DNS, interfaces.
@Suite("Inventory validation: network")
struct NetworkValidationTests {
    static let cases: [BrokenInventory] = [
        BrokenInventory("subnet with host bits", [("192.168.10.0/25", "192.168.10.5/25")], [
            "network.subnet: 192.168.10.5/25 has host bits set; the network address would be 192.168.10.0/25"
        ]),
        BrokenInventory("subnet too small", [("192.168.10.0/25", "192.168.10.0/31")], [
            "network.subnet: 192.168.10.0/31 has no room for a gateway, devices and a DHCP pool; expected a prefix length of at most /30"
        ]),
        BrokenInventory("subnet without prefix", [("192.168.10.0/25", "192.168.10.0")], [
            "network.subnet: \"192.168.10.0\" is not an IPv4 network in CIDR notation; expected a network address and prefix length such as 192.168.10.0/25"
        ]),
        BrokenInventory("device outside the subnet", [("\"vlanAddress\": \"192.168.10.4\"", "\"vlanAddress\": \"192.168.10.200\"")], [
            "devices[2].vlanAddress: 192.168.10.200 is outside network.subnet 192.168.10.0/25"
        ]),
        BrokenInventory("device on the broadcast address", [("\"vlanAddress\": \"192.168.10.4\"", "\"vlanAddress\": \"192.168.10.127\"")], [
            "devices[2].vlanAddress: 192.168.10.127 is the broadcast address of network.subnet 192.168.10.0/25; expected a host address"
        ]),
        BrokenInventory("device in the pool", [("\"vlanAddress\": \"192.168.10.4\"", "\"vlanAddress\": \"192.168.10.30\"")], [
            "devices[2].vlanAddress: 192.168.10.30 is inside network.dhcpPool 192.168.10.26 to 192.168.10.126; DHCP could hand it to another machine"
        ]),
        BrokenInventory("vlanAddress not IPv4", [("\"vlanAddress\": \"192.168.10.4\"", "\"vlanAddress\": \"192.168.10.4/25\"")], [
            "devices[2].vlanAddress: \"192.168.10.4/25\" is not a valid IPv4 address; expected four decimal numbers from 0 to 255 without leading zeros, such as 192.168.10.2"
        ]),
        BrokenInventory("pool covering the gateway", [("\"start\": \"192.168.10.26\"", "\"start\": \"192.168.10.1\"")], [
            "network.dhcpPool: the pool 192.168.10.1 to 192.168.10.126 includes network.gateway 192.168.10.2; DHCP would hand out the gateway's address"
        ]),
        BrokenInventory("pool start after end", [
            ("\"start\": \"192.168.10.26\"", "\"start\": \"192.168.10.126\""),
            ("\"end\": \"192.168.10.126\"", "\"end\": \"192.168.10.26\""),
        ], [
            "network.dhcpPool: start 192.168.10.126 is after end 192.168.10.26; expected start <= end"
        ]),
        BrokenInventory("pool covering the broadcast address", [("\"end\": \"192.168.10.126\"", "\"end\": \"192.168.10.127\"")], [
            "network.dhcpPool.end: 192.168.10.127 is the broadcast address of network.subnet 192.168.10.0/25; expected a host address"
        ]),
        BrokenInventory("pool leaving the subnet", [("\"end\": \"192.168.10.126\"", "\"end\": \"192.168.11.5\"")], [
            "network.dhcpPool.end: 192.168.11.5 is outside network.subnet 192.168.10.0/25"
        ]),
        BrokenInventory("gateway is not the hub", [("\"gateway\": \"192.168.10.2\"", "\"gateway\": \"192.168.10.1\"")], [
            "network.gateway: 192.168.10.1 is not the vlanAddress of the hub devices[0] \"hub\", 192.168.10.2; the hub routes the VLAN, so they must be equal"
        ]),
        BrokenInventory("gateway outside the subnet", [
            ("\"gateway\": \"192.168.10.2\"", "\"gateway\": \"192.168.11.2\""),
        ], [
            "network.gateway: 192.168.11.2 is outside network.subnet 192.168.10.0/25",
            "network.gateway: 192.168.11.2 is not the vlanAddress of the hub devices[0] \"hub\", 192.168.10.2; the hub routes the VLAN, so they must be equal",
        ]),
        BrokenInventory("reserved address in the pool", [("\"reserved\": [\"192.168.10.25\"]", "\"reserved\": [\"192.168.10.30\"]")], [
            "network.reserved[0]: 192.168.10.30 is inside network.dhcpPool 192.168.10.26 to 192.168.10.126; a reserved address must stay out of the pool"
        ]),
        BrokenInventory("reserved address on a device", [("\"reserved\": [\"192.168.10.25\"]", "\"reserved\": [\"192.168.10.3\"]")], [
            "network.reserved[0]: 192.168.10.3 is the vlanAddress of devices[1] \"host-0\"; a reserved address must not be given to a device"
        ]),
        BrokenInventory("reserved address twice", [("\"reserved\": [\"192.168.10.25\"]", "\"reserved\": [\"192.168.10.25\", \"192.168.10.25\"]")], [
            "network.reserved[1]: 192.168.10.25 is listed twice (also at network.reserved[0])"
        ]),
        BrokenInventory("reserved address outside the subnet", [("\"reserved\": [\"192.168.10.25\"]", "\"reserved\": [\"10.0.0.1\"]")], [
            "network.reserved[0]: 10.0.0.1 is outside network.subnet 192.168.10.0/25"
        ]),
        BrokenInventory("no DNS servers", [("[\"147.75.207.207\", \"147.75.207.208\"]", "[]")], [
            "network.dnsServers: expected at least one DNS server, or \"auto\", found an empty array"
        ]),
        BrokenInventory("DNS server twice", [("[\"147.75.207.207\", \"147.75.207.208\"]", "[\"147.75.207.207\", \"147.75.207.207\"]")], [
            "network.dnsServers[1]: 147.75.207.207 is listed twice (also at network.dnsServers[0])"
        ]),
        BrokenInventory("DNS servers neither list nor auto", [("[\"147.75.207.207\", \"147.75.207.208\"]", "\"automatic\"")], [
            "network.dnsServers: unknown value \"automatic\"; expected \"auto\" or a list of IPv4 addresses"
        ]),
        BrokenInventory("MTU too small", [("\"vlanId\": 1000,", "\"vlanId\": 1000, \"mtu\": 100,")], [
            "network.mtu: expected an MTU from 576 to 9216, found 100"
        ]),
        BrokenInventory("shell metacharacters in an interface", [("\"vlanAddress\": \"192.168.10.2\"", "\"vlanAddress\": \"192.168.10.2\", \"parentInterface\": \"bond0;reboot\"")], [
            "devices[0].parentInterface: \"bond0;reboot\" is not a valid interface name; expected \(InterfaceName.rule)"
        ]),
        BrokenInventory("an interface that ip would take for an option", [("\"vlanAddress\": \"192.168.10.2\"", "\"vlanAddress\": \"192.168.10.2\", \"parentInterface\": \"-bond0\"")], [
            "devices[0].parentInterface: \"-bond0\" is not a valid interface name; expected \(InterfaceName.rule)"
        ]),
        BrokenInventory("space in an interface", [("\"vlanAddress\": \"192.168.10.2\"", "\"vlanAddress\": \"192.168.10.2\", \"parentInterface\": \"bond 0\"")], [
            "devices[0].parentInterface: \"bond 0\" is not a valid interface name; expected \(InterfaceName.rule)"
        ]),
        BrokenInventory("VLAN interface name too long", [("\"vlanAddress\": \"192.168.10.2\"", "\"vlanAddress\": \"192.168.10.2\", \"parentInterface\": \"enp129s0f1np1\"")], [
            "devices[0].parentInterface: the VLAN interface name \"enp129s0f1np1.1000\" would be 18 characters; Linux allows at most 15 (IFNAMSIZ)"
        ]),
    ]

    @Test("broken address plans", arguments: cases)
    func brokenNetwork(_ broken: BrokenInventory) throws { try broken.check() }

    @Test("DNS servers may be \"auto\", and an MTU is kept")
    func autoDNS() throws {
        let text = try InventoryFixture.variant([
            ("[\"147.75.207.207\", \"147.75.207.208\"]", "\"auto\""), ("\"vlanId\": 1000,", "\"vlanId\": 1000, \"mtu\": 9000,"),
        ])
        let network = try #require(InventoryFixture.parse(text).inventory?.network)
        #expect(network.dnsServers == .auto)
        #expect(network.mtu == 9000)
    }
}
