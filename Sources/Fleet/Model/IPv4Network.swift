/// An IPv4 network in CIDR form (`192.168.10.0/25`), parsed strictly: the address must be the
/// network address itself, so `192.168.10.5/25` is an error rather than silently masked.
public struct IPv4Network: Sendable, Hashable, CustomStringConvertible {
    /// The network address.
    public let address: IPv4Address
    /// The prefix length, 0–32.
    public let prefixLength: Int

    /// Creates a network; returns nil when `address` has host bits set.
    public init?(address: IPv4Address, prefixLength: Int) {
        guard (0...32).contains(prefixLength) else { return nil }
        let mask = IPv4Network.mask(prefixLength)
        guard address.value & ~mask == 0 else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `a.b.c.d/n`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])),
            (1...2).contains(parts[1].count), parts[1].allSatisfy({ $0 >= "0" && $0 <= "9" }),
            !(parts[1].count > 1 && parts[1].first == "0"),
            let length = Int(parts[1])
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    static func mask(_ length: Int) -> UInt32 { length == 0 ? 0 : UInt32.max << (32 - UInt32(length)) }

    /// The netmask in dotted-quad form (`255.255.255.128` for /25), as dhcpd.conf wants it.
    public var netmask: IPv4Address { IPv4Address(IPv4Network.mask(prefixLength)) }
    /// The broadcast address.
    public var broadcast: IPv4Address { IPv4Address(address.value | ~IPv4Network.mask(prefixLength)) }

    /// True when `ip` lies in this network (network and broadcast addresses included).
    public func contains(_ ip: IPv4Address) -> Bool {
        ip.value & IPv4Network.mask(prefixLength) == address.value
    }

    /// True when `ip` is usable by a host: inside, and not the network or broadcast address
    /// (for prefixes shorter than /31).
    public func containsHost(_ ip: IPv4Address) -> Bool {
        guard contains(ip) else { return false }
        return prefixLength >= 31 || (ip != address && ip != broadcast)
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
