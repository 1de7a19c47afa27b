/// An upstream release tag (`v0.11.0`): it becomes part of a download URL and a version check.
public typealias ReleaseTag = InventoryValue<ReleaseTagRule>

/// `v` and up to 40 characters of a tag.
public enum ReleaseTagRule: InventoryRule {
    public static let pattern = "v[0-9A-Za-z._-]{1,40}"
    public static let what = "release tag"
    public static let rule = "'v' followed by 1 to 40 letters, digits, '.', '_' or '-', such as v0.11.0"
}

extension InventoryValue where Rule == ReleaseTagRule {
    /// The numeric part, `(0, 11, 0)` for `v0.11.0`; nil when the tag is not `v<major>.<minor>.<patch>…`.
    public var semanticVersion: (Int, Int, Int)? {
        let numbers = rawValue.dropFirst().split(separator: ".", maxSplits: 2).map { part in
            Int(part.prefix { $0.isNumber })
        }
        guard numbers.count == 3, let major = numbers[0], let minor = numbers[1], let patch = numbers[2] else { return nil }
        return (major, minor, patch)
    }
}
