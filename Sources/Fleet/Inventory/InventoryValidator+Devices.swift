extension InventoryValidator {
    /// What could be read of one device; fields are nil where the value was wrong.
    struct DeviceDraft {
        var path: JSONPath
        var name: String?
        var role: Role?
        var address: String?
        /// The device's own settings, before the inventory defaults are merged in.
        var ssh = SSHSettings()
        var vlanAddress: IPv4Address?
        /// Nil when the value was wrong; `bond0` when it was absent.
        var parentInterface: InterfaceName?

        /// `devices[1] "host-0"`, or just the path when the name could not be read.
        var label: String { name.map { "\(path) \"\($0)\"" } ?? path.description }

        /// The finished device, when every required part was read.
        func device(defaults: SSHSettings) -> Device? {
            guard let name, let role, let address, let parentInterface else { return nil }
            return Device(name: name, role: role, address: address, ssh: ssh.merged(over: defaults),
                          vlanAddress: vlanAddress, parentInterface: parentInterface)
        }
    }

    /// Reads `devices`; each element on its own.
    func readDevices(_ elements: [(path: JSONPath, value: JSONValue)], requireVLANAddress: Bool) -> [DeviceDraft] {
        elements.compactMap { element in
            guard let object = ObjectReader(element.value, at: element.path, shape: InventoryShape.deviceFields,
                                            context: context)
            else { return nil }
            var draft = DeviceDraft(path: element.path)
            draft.name = object.string("name")
            draft.role = object.choice("role").flatMap(Role.init(rawValue:))
            // An address or a host name: the loader's own words tell which one was meant.
            draft.address = object.required("address").flatMap { context.string($0, at: object.path("address")) }
                .flatMap { text in
                if let problem = InventoryPattern.addressProblem(text) {
                    context.error(object.path("address"), problem)
                    return nil
                }
                return text
            }
            if requireVLANAddress {
                draft.vlanAddress = object.required("vlanAddress")
                    .flatMap { context.ipv4($0, at: object.path("vlanAddress")) }
            } else {
                draft.vlanAddress = object.ipv4("vlanAddress")
            }
            draft.parentInterface = object.valueOrDefault("parentInterface", as: InterfaceName.self)
            if let ssh = object.object("ssh") { draft.ssh = readSSH(ssh) }
            return draft
        }
    }

    /// One hub, unique names, unique SSH endpoints and unique VLAN addresses.
    func checkTopology(_ devices: [DeviceDraft], defaults: SSHSettings, at path: JSONPath) {
        let hubs = devices.filter { $0.role == .hub }
        if let first = hubs.first {
            for extra in hubs.dropFirst() {
                context.error(extra.path.appending("role"),
                              "a second hub; \(first.label) is already the hub, and there must be exactly one")
            }
        } else if !devices.isEmpty, devices.allSatisfy({ $0.role != nil }) {
            // With a role unreadable, that device may be the hub: saying "none" would mislead.
            context.error(path, "expected exactly one device with role \"hub\", found none")
        }
        reportRepeats(devices, key: "name") { $0.name } message: { name, first in
            "\(ValidationContext.shown(name)) is already the name of \(first.path)"
        }
        reportRepeats(devices, key: "address") { device in
            device.address.map { "\($0.lowercased()) port \(device.ssh.merged(over: defaults).port ?? 22)" }
        } message: { endpoint, first in
            "\(endpoint) is already used by \(first.label); each device needs its own address and SSH port"
        }
        reportRepeats(devices, key: "vlanAddress") { $0.vlanAddress?.description } message: { address, first in
            "\(address) is already the vlanAddress of \(first.label)"
        }
    }

    /// Reports each device whose `identity` equals an earlier device's, at `devices[i].key`.
    private func reportRepeats(_ devices: [DeviceDraft], key: String, identity: (DeviceDraft) -> String?,
                               message: (String, DeviceDraft) -> String)
    {
        var firstSeen: [String: DeviceDraft] = [:]
        for device in devices {
            guard let value = identity(device) else { continue }
            if let first = firstSeen[value] {
                context.error(device.path.appending(key), message(value, first))
            } else {
                firstSeen[value] = device
            }
        }
    }

    /// The rules that tie the devices to the network: VLAN addresses, the gateway, reserved
    /// addresses and VLAN interface names.
    func checkAddressPlan(_ network: NetworkDraft, devices: [DeviceDraft]) {
        for device in devices {
            if let vlanId = network.vlanId, let parent = device.parentInterface {
                let name = Network.interfaceName(parent: parent.rawValue, vlanId: vlanId)
                if name.utf8.count > InterfaceNameRule.maximumLength {
                    context.error(device.path.appending("parentInterface"),
                                  "the VLAN interface name \"\(name)\" would be \(name.utf8.count) characters;"
                                      + " Linux allows at most \(InterfaceNameRule.maximumLength) (IFNAMSIZ)")
                }
            }
            guard let address = device.vlanAddress else { continue }
            let path = device.path.appending("vlanAddress")
            if let subnet = network.subnet, let problem = hostAddressProblem(address, in: subnet) {
                context.error(path, problem)
            } else if let pool = network.pool, pool.contains(address) {
                context.error(path, "\(address) is inside network.dhcpPool \(describe(pool));"
                    + " DHCP could hand it to another machine")
            }
        }
        var deviceAt: [IPv4Address: DeviceDraft] = [:]
        for device in devices.reversed() { if let address = device.vlanAddress { deviceAt[address] = device } }
        for reserved in network.reserved {
            if let device = deviceAt[reserved.address] {
                context.error(reserved.path, "\(reserved.address) is the vlanAddress of \(device.label);"
                    + " a reserved address must not be given to a device")
            }
        }
        let hubs = devices.filter { $0.role == .hub }
        if let gateway = network.gateway, hubs.count == 1, let hub = hubs.first, let hubAddress = hub.vlanAddress,
            gateway != hubAddress
        {
            context.error(.root.appending("network").appending("gateway"),
                          "\(gateway) is not the vlanAddress of the hub \(hub.label), \(hubAddress);"
                              + " the hub routes the VLAN, so they must be equal")
        }
    }
}
