/// The validated description of one environment: its machines, their network and the
/// components to install. Produced only by ``InventoryLoader``, so every value in it has
/// passed validation and may be rendered into config files and remote commands.
public struct Inventory: Sendable, Equatable {
    /// Path the inventory was read from, used in messages.
    public var source: String
    /// Which built-in playbook runs before the extra steps.
    public var playbook: PlaybookChoice
    /// SSH settings that apply to every device unless the device overrides them.
    public var ssh: SSHSettings
    /// The machines, in inventory order.
    public var devices: [Device]
    /// The VLAN and its address plan; required by the `liquid-metal` playbook.
    public var network: Network?
    /// NAT on the hub.
    public var nat: NATSettings
    /// DHCP server on the hub.
    public var dhcp: DHCPSettings
    /// Tailscale subnet router on the hub; nil means no Tailscale step.
    public var tailscale: TailscaleSettings?
    /// flintlock on each host; nil means no flintlock steps.
    public var flintlock: FlintlockSettings?
    /// User steps appended after the playbook's, per role (`nil` key: every device).
    public var extraSteps: [ExtraStepSpec]

    /// Creates an inventory; use ``InventoryLoader`` to get a validated one from a file.
    public init(
        source: String, playbook: PlaybookChoice = .liquidMetal, ssh: SSHSettings = SSHSettings(),
        devices: [Device], network: Network?, nat: NATSettings = NATSettings(),
        dhcp: DHCPSettings = DHCPSettings(), tailscale: TailscaleSettings? = nil,
        flintlock: FlintlockSettings? = nil, extraSteps: [ExtraStepSpec] = []
    ) {
        self.source = source
        self.playbook = playbook
        self.ssh = ssh
        self.devices = devices
        self.network = network
        self.nat = nat
        self.dhcp = dhcp
        self.tailscale = tailscale
        self.flintlock = flintlock
        self.extraSteps = extraSteps
    }

    /// The one hub device.
    public var hub: Device? { devices.first { $0.role == .hub } }
}

/// The built-in playbook an inventory asks for.
public enum PlaybookChoice: String, Sendable, Equatable, CaseIterable {
    /// VLAN, NAT, DHCP, Tailscale and flintlock, as in the Liquid Metal docs.
    case liquidMetal = "liquid-metal"
    /// Only the inventory's extra steps.
    case none
}

/// A machine's role in the environment.
public enum Role: String, Sendable, Equatable, CaseIterable, Codable {
    /// The network hub: NAT, DHCP, Tailscale.
    case hub
    /// A MicroVM host running flintlock.
    case host
}

/// How to reach a machine over SSH. Unset fields leave the choice to the user's `~/.ssh/config`.
public struct SSHSettings: Sendable, Equatable {
    /// Login user; steps run through `sudo -n` when it is not `root`.
    public var user: String?
    /// TCP port.
    public var port: Int?
    /// Private key file (`~` is expanded locally).
    public var identityFile: String?

    /// Creates settings.
    public init(user: String? = nil, port: Int? = nil, identityFile: String? = nil) {
        self.user = user
        self.port = port
        self.identityFile = identityFile
    }

    /// These settings with the unset fields taken from `defaults`.
    public func merged(over defaults: SSHSettings) -> SSHSettings {
        SSHSettings(user: user ?? defaults.user, port: port ?? defaults.port,
                    identityFile: identityFile ?? defaults.identityFile)
    }
}

/// One machine.
public struct Device: Sendable, Equatable {
    /// Unique name (`hub`, `host-0`, …), used in output, `--limit` and the state directory.
    public var name: String
    /// Its role.
    public var role: Role
    /// Public address or host name that `ssh` connects to.
    public var address: String
    /// Effective SSH settings (inventory defaults already merged in).
    public var ssh: SSHSettings
    /// The private address on the VLAN interface.
    public var vlanAddress: IPv4Address?
    /// The parent of the VLAN interface (`bond0` by default).
    public var parentInterface: InterfaceName

    /// Creates a device.
    public init(name: String, role: Role, address: String, ssh: SSHSettings = SSHSettings(),
                vlanAddress: IPv4Address? = nil, parentInterface: InterfaceName = "bond0") {
        self.name = name
        self.role = role
        self.address = address
        self.ssh = ssh
        self.vlanAddress = vlanAddress
        self.parentInterface = parentInterface
    }
}

/// The private VLAN and its address plan.
public struct Network: Sendable, Equatable {
    /// 802.1Q id, 1–4094.
    public var vlanId: Int
    /// The VLAN subnet.
    public var subnet: IPv4Network
    /// The router for DHCP clients: the hub's VLAN address.
    public var gateway: IPv4Address
    /// First and last address handed out by DHCP.
    public var dhcpPool: ClosedRange<IPv4Address>
    /// DNS servers offered to DHCP clients.
    public var dnsServers: DNSServers
    /// MTU of the VLAN interface, if set.
    public var mtu: Int?
    /// Addresses kept free for other uses (the cluster API VIP); never in the pool or on a device.
    public var reserved: [IPv4Address]

    /// Creates a network.
    public init(vlanId: Int, subnet: IPv4Network, gateway: IPv4Address, dhcpPool: ClosedRange<IPv4Address>,
                dnsServers: DNSServers, mtu: Int? = nil, reserved: [IPv4Address] = []) {
        self.vlanId = vlanId
        self.subnet = subnet
        self.gateway = gateway
        self.dhcpPool = dhcpPool
        self.dnsServers = dnsServers
        self.mtu = mtu
        self.reserved = reserved
    }

    /// The VLAN interface name on a given parent (`bond0.1000`).
    public func interfaceName(parent: String) -> String { Self.interfaceName(parent: parent, vlanId: vlanId) }

    /// `bond0.1000`: the VLAN link's name, which must fit ``InterfaceNameRule/maximumLength``.
    public static func interfaceName(parent: String, vlanId: Int) -> String { "\(parent).\(vlanId)" }
}

/// Where DHCP clients get their DNS servers from.
public enum DNSServers: Sendable, Equatable {
    /// A fixed list.
    case list([IPv4Address])
    /// The hub's own upstream resolvers, read from `resolvectl status` when the plan is made.
    case auto
}
