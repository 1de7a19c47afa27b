/// A sha256 digest as `sha256sum` prints it.
public typealias SHA256Digest = InventoryValue<SHA256DigestRule>

/// 64 lowercase hexadecimal digits.
public enum SHA256DigestRule: InventoryRule {
    public static let pattern = "[0-9a-f]{64}"
    public static let what = "sha256 digest"
    public static let rule = "64 lowercase hexadecimal digits"
}
