/// A Linux network interface name fleet may put in a unit file, a config file or an `ip` command.
public typealias InterfaceName = InventoryValue<InterfaceNameRule>

/// At most 15 bytes (IFNAMSIZ), and never a leading `-`, which `ip` would take for an option.
public enum InterfaceNameRule: InventoryRule {
    public static let pattern = "[A-Za-z0-9_][A-Za-z0-9_-]{0,14}"
    public static let what = "interface name"
    public static let rule = "1 to 15 letters, digits, '_' or '-', not starting with '-', such as bond0"
    /// IFNAMSIZ less its NUL: also the limit of a VLAN name made from one (`bond0.1000`).
    public static let maximumLength = 15
}
