/// The ids of the playbook steps that other steps are notified by: named once, so a restart
/// cannot be wired to a misspelt step (``Plan/make(inventory:playbook:limit:only:skip:)`` also
/// refuses a notification that does not name an earlier step).
enum StepID {
    static let containerdConfig = "containerd-config"
    static let thinpool = "thinpool"
    static let dhcpConfig = "dhcp-config"
    static let dhcpInterface = "dhcp-interface"
    static let vlanInterface = "vlan-interface"
    static let vlanUnit = "vlan-unit"
    static let flintlockdConfig = "flintlockd-config"
    static let flintlockdUnit = "flintlockd-unit"
    static let flintlockdBinary = "flintlockd-binary"
    static let flintlockdClientCA = "flintlockd-client-ca"
    static let flintlockdCertificate = "flintlockd-certificate"
    static let flintlockdKey = "flintlockd-key"
    static let firecracker = "firecracker"
    static let natRuleset = "nat-ruleset"
    static let natUnit = "nat-unit"
}
