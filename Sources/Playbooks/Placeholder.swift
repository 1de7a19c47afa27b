import Fleet

/// TEMPORARY stand-in until the Liquid Metal playbook lands.
public enum LiquidMetal {
    /// The playbook's steps for one device, in order.
    public static func steps(for device: Device, in inventory: Inventory, authKey: String?) -> [Step] { [] }
}
