/// The inventory's shape: every object, key, value kind, pattern, range and choice that the
/// loader reads by, and the descriptions and defaults that ``InventorySchema`` adds for editors.
///
/// This is the one table of the inventory's syntax. ``ObjectReader`` takes allowed keys,
/// required keys, ranges, choices and patterns from it, so a rule changed here changes the
/// loader and the generated `inventory/inventory.schema.json` together.
enum InventoryShape {
    /// The top level.
    static let root = ObjectShape(properties: [
        Property("$schema", .text(.free())),
        Property("playbook", .choice(PlaybookChoice.allCases.map(\.rawValue), what: "playbook"),
                 description: "liquid-metal: VLAN, NAT, DHCP, Tailscale, flintlock, then extraSteps. none: only extraSteps.",
                 default: .string(PlaybookChoice.liquidMetal.rawValue)),
        Property("ssh", ssh),
        Property("network", .object(network), .forLiquidMetal(because: "the liquid-metal playbook builds the VLAN from it")),
        Property("devices", .array(ArrayShape(items: device, nonEmpty: "at least one device",
                                              exactlyOne: ("role", Role.hub.rawValue))), .required),
        Property("nat", .object(nat)),
        Property("dhcp", .object(dhcp)),
        Property("tailscale", .object(tailscale)),
        Property("flintlock", .object(flintlock)),
        Property("extraSteps", .array(ArrayShape(items: extraStep))),
    ], description: "Machines, their VLAN address plan and the components fleet installs. `fleet` itself checks"
        + " more than this schema can (the address plan, unique names); the schema is for editors.")

    /// SSH settings, at the top level and on a device.
    static let ssh = ValueShape.named("ssh", .object(sshFields))
    static let sshFields = ObjectShape(properties: [
        Property("user", .text(.matching(InventoryPattern.sshUser, what: "SSH user", rule: InventoryPattern.sshUserRule))),
        Property("port", .integer(port)),
        Property("identityFile", .text(TextShape(nonEmpty: "the path of a private key file",
                                                 maximumBytes: (4096, "a path")))),
    ], description: "SSH settings; unset fields are left to ~/.ssh/config.")

    static let port = IntegerShape(range: 1...65535, expected: "a port from 1 to 65535")

    /// `network`.
    static let network = ObjectShape(properties: [
        Property("vlanId", .integer(IntegerShape(range: 1...4094, expected: "a VLAN id from 1 to 4094")), .required),
        Property("subnet", .ipv4Network, .required, description: "CIDR with host bits zero, prefix at most /30."),
        Property("gateway", ipv4, .required, description: "Must equal the hub's vlanAddress."),
        Property("dhcpPool", .object(ObjectShape(properties: [
            Property("start", ipv4, .required), Property("end", ipv4, .required),
        ])), .required),
        Property("dnsServers", .oneOf([.constant("auto", meaning: "The hub's own resolvers."), .array(dnsServerList)]),
                 .required),
        Property("mtu", .integer(IntegerShape(range: 576...9216, expected: "an MTU from 576 to 9216"))),
        Property("reserved", .array(ArrayShape(items: ipv4, unique: true)),
                 description: "Addresses kept out of the pool and off every device (the cluster VIP)."),
    ], description: "The private VLAN and its address plan.")

    static let ipv4 = ValueShape.named("ipv4", .ipv4)

    /// `network.dnsServers` when it is a list.
    static let dnsServerList = ArrayShape(items: ipv4, nonEmpty: "at least one DNS server, or \"auto\"", unique: true)

    /// One element of `devices`.
    static let device = ValueShape.named("device", .object(deviceFields))
    static let deviceFields = ObjectShape(properties: [
        Property("name", .text(name(what: "device name")), .required),
        Property("role", .choice(Role.allCases.map(\.rawValue), what: "role"), .required),
        Property("address", .anyOf([ipv4, .text(hostName)]), .required,
                 description: "IPv4 address or DNS host name that ssh connects to."),
        Property("vlanAddress", ipv4, .forLiquidMetal(because: "the liquid-metal playbook puts every device on the VLAN")),
        Property("parentInterface", .text(.rule(InterfaceNameRule.self)), default: .string("bond0")),
        Property("ssh", ssh),
    ])

    static func name(what: String) -> TextShape {
        .matching(InventoryPattern.name, what: what, rule: InventoryPattern.nameRule)
    }

    /// A DNS host name. Refused although the pattern allows it, as ``InventoryPattern/addressProblem(_:)``
    /// refuses it: only digits and dots (a mistyped address), an empty label, a label that
    /// starts or ends with '-', a label longer than 63.
    static let hostName = TextShape(pattern: InventoryPattern.hostName, what: "host name",
                                    rule: "a DNS host name such as hub.example.com",
                                    refused: "^[0-9.]+$|\\.\\.|\\.-|-\\.|[^.]{64}")

    /// `nat`.
    static let nat = ObjectShape(properties: [
        Property("backend", .choice(NATSettings.Backend.allCases.map(\.rawValue), what: "NAT backend"),
                 default: .string(NATSettings.Backend.firewalld.rawValue)),
        Property("uplink", .text(.rule(InterfaceNameRule.self)),
                 description: "The interface NAT leaves by. Default: the interface of the hub's IPv4 default route."),
    ])

    /// `dhcp`. dhcpd and Kea keep lease times in 32 bits; 0xffffffff means "infinite" to clients.
    static let dhcp = ObjectShape(properties: [
        Property("backend", .choice(DHCPSettings.Backend.allCases.map(\.rawValue), what: "DHCP backend"),
                 default: .string(DHCPSettings().backend.rawValue)),
        Property("defaultLeaseTime", .integer(leaseTime), default: .number(String(DHCPSettings().defaultLeaseTime))),
        Property("maxLeaseTime", .integer(leaseTime), default: .number(String(DHCPSettings().maxLeaseTime))),
    ])

    static let leaseTime = IntegerShape(range: 1...4_294_967_294, expected: "a number of seconds from 1 to 4294967294")
}
