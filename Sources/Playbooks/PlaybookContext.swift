import Fleet

/// Everything the Liquid Metal steps of one device derive from the inventory: names of
/// interfaces and units, addresses, and the optional sections, in one place so that every file
/// spells them the same way.
struct PlaybookContext {
    let inventory: Inventory
    let device: Device
    let network: Network
    let address: IPv4Address
    let authKey: String?
    /// The environment's flintlockd certificates, when the inventory wants TLS and they exist.
    var tls: FlintlockCredentials? = nil

    var parent: String { device.parentInterface.rawValue }
    /// `bond0.1000`.
    var vlanInterface: String { network.interfaceName(parent: parent) }
    /// `192.168.10.3/25`.
    var cidrAddress: String { "\(address)/\(network.subnet.prefixLength)" }
    /// The bridge over the VLAN interface, on MicroVM hosts in bridge mode only.
    var bridge: String? {
        guard device.role == .host, case .bridge(let name)? = inventory.flintlock?.networkMode else { return nil }
        return name.rawValue
    }
    /// Where the device's VLAN address lives: the bridge when there is one, else the VLAN link.
    var addressInterface: String { bridge ?? vlanInterface }
    /// The oneshot unit that creates the VLAN link at boot.
    var vlanUnit: String { "fleet-vlan-\(vlanInterface).service" }

    /// Why these values cannot be rendered into unit files, nftables rules, YAML and sources
    /// lists safely, or nil when they can. Interface names, release tags and digests are typed
    /// (``InterfaceName``, ``ReleaseTag``, ``SHA256Digest``) and valid by construction; what is
    /// left is what a loaded inventory may still lack, and the free-text words of the sections.
    static func problems(device: Device, inventory: Inventory) -> [String] {
        var problems: [String] = []
        guard let network = inventory.network else { return ["the inventory has no network section"] }
        if device.vlanAddress == nil { problems.append("device \(device.name) has no vlanAddress") }
        let vlan = network.interfaceName(parent: device.parentInterface.rawValue)
        if vlan.utf8.count > InterfaceNameRule.maximumLength {
            problems.append("interface \(vlan) is longer than Linux allows (\(InterfaceNameRule.maximumLength) characters)")
        }
        if let tailscale = inventory.tailscale, device.role == .hub {
            for value in [tailscale.repository, tailscale.suite ?? "x"] where !isPrintableWord(value) {
                problems.append("tailscale repository/suite \(value) must be one word without spaces or quotes")
            }
        }
        if let flintlock = inventory.flintlock, device.role == .host, !isPrintableWord(flintlock.artifactBaseURL) {
            problems.append("flintlock URL \(flintlock.artifactBaseURL) must be one word without spaces or quotes")
        }
        return problems
    }

    static func isPrintableWord(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f && $0 != "\""
            && $0 != "'" && $0 != "\\" && $0 != "`" }
    }

    /// systemd's name for the device unit of a network interface (`systemd-escape --path`
    /// rules for the alphabet ``InterfaceName`` allows, plus the `.` of a VLAN name).
    static func deviceUnit(forInterface name: String) -> String {
        var escaped = ""
        for (index, character) in name.enumerated() {
            if character == "-" || (character == "." && index == 0) {
                escaped += character == "-" ? "\\x2d" : "\\x2e"
            } else {
                escaped.append(character)
            }
        }
        return "sys-subsystem-net-devices-\(escaped).device"
    }
}
