/// Turns a parsed inventory document into an ``Inventory``, reporting every problem it finds.
///
/// It works in two passes. The first reads each section into a draft, checking types, syntax
/// and the rules local to one value. The second checks what only makes sense across sections
/// (the address plan, one hub, unique names), using whatever the first pass could read, so an
/// error in one place does not hide the errors elsewhere.
struct InventoryValidator {
    /// Where diagnostics go.
    let context: ValidationContext

    /// Validates a whole document; nil when any error was reported.
    func validate(_ document: JSONValue) -> Inventory? {
        guard case .object = document else {
            context.error(.root, "expected the top level to be a JSON object, found \(document.kindDescription)")
            return nil
        }
        guard let top = ObjectReader(document, at: .root, shape: InventoryShape.root, context: context) else {
            return nil
        }
        _ = top.string("$schema")
        // Nil when the value is wrong: then the rules that depend on the playbook are skipped
        // rather than guessed, which would only add noise to the one real error.
        let playbook: PlaybookChoice? =
            top.contains("playbook")
            ? top.choice("playbook").flatMap(PlaybookChoice.init(rawValue:))
            : .liquidMetal
        let ssh = top.object("ssh").map(readSSH) ?? SSHSettings()

        var network: NetworkDraft?
        if playbook == .liquidMetal {
            network = top.required("network").flatMap { readNetwork($0, at: top.path("network")) }
        } else if let value = top.value("network") {
            network = readNetwork(value, at: top.path("network"))
        }
        let devices = top.array("devices").map { readDevices($0, requireVLANAddress: playbook == .liquidMetal) }
        let nat = top.object("nat").map(readNAT)
        let dhcp = top.object("dhcp").map(readDHCP)
        let tailscale = top.value("tailscale").flatMap { readTailscale($0, at: top.path("tailscale")) }
        let flintlock = top.value("flintlock").flatMap { readFlintlock($0, at: top.path("flintlock")) }
        let extraSteps = top.array("extraSteps").map { readExtraSteps($0) } ?? []

        if let devices {
            checkTopology(devices, defaults: ssh, at: top.path("devices"))
            if let network { checkAddressPlan(network, devices: devices) }
            if let flintlock { checkBridge(flintlock, devices: devices, at: top.path("flintlock")) }
        }
        warnAboutUnusedSections(top, playbook: playbook, devices: devices ?? [])

        guard !context.hasErrors else { return nil }
        // Every nil above comes with an error, so with none reported everything is here; this
        // guard makes sure a slip in that reasoning fails loudly instead of dropping a section.
        let built = devices?.compactMap { $0.device(defaults: ssh) }
        guard let playbook, let devices, let built, built.count == devices.count,
            (network == nil) == (network?.network == nil), playbook != .liquidMetal || network != nil,
            top.contains("tailscale") == (tailscale != nil), top.contains("flintlock") == (flintlock != nil)
        else {
            context.error(.root, "internal error: the inventory is incomplete but no problem was reported")
            return nil
        }
        return Inventory(
            source: context.file, playbook: playbook, ssh: ssh, devices: built, network: network?.network,
            nat: nat ?? NATSettings(), dhcp: dhcp ?? DHCPSettings(), tailscale: tailscale, flintlock: flintlock,
            extraSteps: extraSteps)
    }

    /// `ssh` at the top level or on a device; unset fields stay nil for merging.
    func readSSH(_ object: ObjectReader) -> SSHSettings {
        SSHSettings(user: object.string("user"), port: object.integer("port"),
                    identityFile: object.string("identityFile"))
    }

    /// `nat`.
    func readNAT(_ object: ObjectReader) -> NATSettings {
        let backend = object.choice("backend")
        let uplink = object.value("uplink", as: InterfaceName.self)
        return NATSettings(backend: backend.flatMap(NATSettings.Backend.init(rawValue:)) ?? .firewalld, uplink: uplink)
    }

    /// The MicroVM bridge is fleet's own: it may not be a host's parent interface (whose traffic
    /// it would take over) nor its VLAN interface. An existing bridge fleet did not create is
    /// refused on the host, where only it can be seen.
    func checkBridge(_ flintlock: FlintlockSettings, devices: [DeviceDraft], at path: JSONPath) {
        guard case .bridge(let bridge) = flintlock.networkMode else { return }
        let key = path.appending("bridgeName")
        for device in devices where device.role == .host {
            guard let parent = device.parentInterface else { continue }
            if bridge == parent {
                context.error(key, "\(ValidationContext.shown(bridge.rawValue)) is the parent interface of \(device.label);"
                    + " expected a name of its own for the bridge fleet creates")
            }
        }
    }

    /// `dhcp`: lease times are positive and the maximum is not below the default.
    func readDHCP(_ object: ObjectReader) -> DHCPSettings {
        let defaults = DHCPSettings()
        let backend = object.choice("backend")
        let defaultLease = object.integer("defaultLeaseTime")
        let maxLease = object.integer("maxLeaseTime")
        let effectiveDefault = defaultLease ?? defaults.defaultLeaseTime
        let effectiveMax = maxLease ?? defaults.maxLeaseTime
        if effectiveMax < effectiveDefault, defaultLease != nil || maxLease != nil {
            if let maxLease {
                let source = defaultLease == nil ? " (the default)" : ""
                context.error(object.path("maxLeaseTime"),
                              "\(maxLease) is less than dhcp.defaultLeaseTime \(effectiveDefault)\(source);"
                                  + " expected at least that")
            } else {
                context.error(object.path("defaultLeaseTime"),
                              "\(effectiveDefault) is more than dhcp.maxLeaseTime \(effectiveMax) (the default);"
                                  + " expected at most that")
            }
        }
        return DHCPSettings(backend: backend.flatMap(DHCPSettings.Backend.init(rawValue:)) ?? defaults.backend,
                            defaultLeaseTime: effectiveDefault, maxLeaseTime: effectiveMax)
    }

    /// Warns about sections that will have no effect, which usually means a mistake elsewhere.
    private func warnAboutUnusedSections(_ top: ObjectReader, playbook: PlaybookChoice?, devices: [DeviceDraft]) {
        if playbook == PlaybookChoice.none {
            for key in ["nat", "dhcp", "tailscale", "flintlock"] where top.contains(key) {
                context.warning(top.path(key), "ignored: the \"none\" playbook runs only extraSteps")
            }
        } else if playbook == .liquidMetal, top.contains("flintlock"), !devices.isEmpty,
            devices.allSatisfy({ $0.role != nil }), !devices.contains(where: { $0.role == .host })
        {
            context.warning(top.path("flintlock"), "ignored: no device has role \"host\", so flintlock goes nowhere")
        }
    }
}
