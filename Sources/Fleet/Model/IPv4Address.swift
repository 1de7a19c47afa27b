/// An IPv4 address parsed strictly: four decimal octets, no leading zeros, no other notation.
///
/// Strictness matters because inventory addresses end up in config files and in remote commands:
/// `010.1.1.1` (octal to some parsers), `10.10.99.99\24` or an IPv4-mapped IPv6 form must be
/// rejected rather than guessed at.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address as a 32-bit big-endian integer (`10.0.0.1` is `0x0A000001`).
    public let value: UInt32

    /// Creates an address from its 32-bit value.
    public init(_ value: UInt32) { self.value = value }

    /// Parses dotted-quad text; returns nil for anything but exactly `a.b.c.d` with 0–255 octets.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
            if part.count > 1 && part.first == "0" { return nil }
            guard let octet = UInt32(part), octet <= 255 else { return nil }
            result = result << 8 | octet
        }
        value = result
    }

    /// Dotted-quad text.
    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    /// The address `n` further on (wrapping is the caller's problem; plans never get near it).
    public func advanced(by n: Int) -> IPv4Address { IPv4Address(UInt32(truncatingIfNeeded: Int(value) + n)) }

    /// True for addresses a provider would route publicly (not RFC 1918, loopback, link-local, CGNAT).
    public var isPrivate: Bool {
        let a = value >> 24, b = value >> 16 & 0xff
        return a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
            || a == 127 || (a == 169 && b == 254) || (a == 100 && (64...127).contains(b))
    }
}
