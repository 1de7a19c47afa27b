/// The syntax rules of inventory values, as regular expressions matched against the whole value.
///
/// ``InventoryShape`` puts each pattern on the keys it governs, and `inventory/inventory.schema.json`
/// is written from that table (anchored with `^…$`), so editors flag the same mistakes. Most patterns exist because the value
/// ends up in a file name, an interface name, a config file or a remote command, where anything
/// outside the set would need quoting that fleet prefers not to depend on alone.
enum InventoryPattern {
    /// Patterns compiled once per process: a big inventory checks the same few thousands of times.
    private static let compiled = Locked<[String: Regex<AnyRegexOutput>]>([:])

    /// True when the whole of `text` matches `pattern`, scalar by scalar: the one matcher of the
    /// loader and of ``InventoryValue``.
    ///
    /// Unicode-scalar semantics, because grapheme-cluster matching would let `a` plus a combining
    /// mark pass as one character and would treat `\r\n` as one unit.
    static func matches(_ text: String, _ pattern: String) -> Bool {
        let regex = compiled.mutate { cache -> Regex<AnyRegexOutput>? in
            if let cached = cache[pattern] { return cached }
            // The patterns are constants of this module; a bad one fails every test that uses it.
            guard let built = try? Regex(pattern) else { return nil }
            cache[pattern] = built.matchingSemantics(.unicodeScalar)
            return cache[pattern]
        }
        guard let regex else { return false }
        return (try? regex.wholeMatch(in: text)) != nil
    }

    /// A device or Tailscale host name: a DNS label in lower case.
    static let name = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
    static let nameRule = "1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit"

    /// A DNS host name for `address` (labels are checked separately).
    static let hostName = "[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"

    /// A network interface name, before the `.vlan` suffix is added.
    static let interface = InterfaceName.pattern

    /// A login name, as `useradd` accepts by default.
    static let sshUser = "[a-z_][a-z0-9_-]{0,31}"
    static let sshUserRule =
        "a login name: a lowercase letter or '_', then up to 31 lowercase letters, digits, '_' or '-'"

    /// An environment variable name.
    static let environmentName = "[A-Za-z_][A-Za-z0-9_]*"

    /// An http(s) URL without query, fragment, spaces or quotes.
    static let url = "https?://[A-Za-z0-9.:/_~-]+"
    static let urlRule = "an http:// or https:// URL of letters, digits and . : / _ ~ -"

    /// An apt suite such as `bookworm`.
    static let suite = "[a-z0-9-]+"

    /// A Tailscale ACL tag.
    static let tag = "tag:[a-z0-9-]+"

    /// A release tag such as `v0.11.0`.
    static let releaseTag = ReleaseTag.pattern

    /// A block device.
    static let disk = "/dev/[A-Za-z0-9/_-]+"

    /// A sha256 digest in lowercase hex.
    static let sha256 = SHA256Digest.pattern


    /// An extra step id.
    static let stepId = ExtraStepID.pattern

    /// An absolute path on the device (`..` components are refused by ``AbsolutePathRule``).
    static let absolutePath = AbsolutePath.pattern

    /// An octal file mode.
    static let mode = FileMode.pattern

    /// `user:group`.
    static let owner = FileOwner.pattern

    /// Every pattern, for the test that compares them with the JSON schema.
    static let all = [
        name, hostName, interface, sshUser, environmentName, url, suite, tag, releaseTag, disk, sha256,
        stepId, absolutePath, mode, owner,
    ]

    /// `10.0.0.1` for `::ffff:10.0.0.1`: the IPv4 address inside an IPv4-mapped IPv6 address.
    static func ipv4MappedSuffix(_ text: String) -> IPv4Address? {
        let lowered = text.lowercased()
        for prefix in ["::ffff:", "0:0:0:0:0:ffff:"] where lowered.hasPrefix(prefix) {
            return IPv4Address(String(lowered.dropFirst(prefix.count)))
        }
        return nil
    }

    /// What is wrong with a device `address`, or nil when it is a strict IPv4 address or a DNS
    /// host name.
    static func addressProblem(_ text: String) -> String? {
        if IPv4Address(text) != nil { return nil }
        let shown = ValidationContext.shown(text)
        if let mapped = ipv4MappedSuffix(text) {
            return "\(shown) is an IPv4-mapped IPv6 address; write the plain IPv4 address \(mapped)"
        }
        if text.contains(":") {
            return "\(shown) looks like an IPv6 address, which fleet does not support;"
                + " expected an IPv4 address or a DNS host name"
        }
        // A name made only of digits and dots is a mistyped address (`10.10.99.999`), never a host name.
        if !text.isEmpty, text.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }) {
            return "\(shown) is not a valid IPv4 address;"
                + " expected four decimal numbers from 0 to 255 without leading zeros"
        }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard matches(text, hostName),
            labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 && $0.first != "-" && $0.last != "-" })
        else {
            return "\(shown) is neither an IPv4 address nor a DNS host name;"
                + " expected an address such as 203.0.113.10 or a name such as hub.example.com"
        }
        return nil
    }
}
