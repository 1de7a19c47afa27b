extension InventoryValidator {
    /// What could be read of `network`; fields are nil where the value was wrong.
    struct NetworkDraft {
        var vlanId: Int?
        var subnet: IPv4Network?
        var gateway: IPv4Address?
        var pool: ClosedRange<IPv4Address>?
        var dnsServers: DNSServers?
        var mtu: Int?
        var reserved: [(path: JSONPath, address: IPv4Address)] = []

        /// The finished network, when every required part was read.
        var network: Network? {
            guard let vlanId, let subnet, let gateway, let pool, let dnsServers else { return nil }
            return Network(vlanId: vlanId, subnet: subnet, gateway: gateway, dhcpPool: pool, dnsServers: dnsServers,
                           mtu: mtu, reserved: reserved.map(\.address))
        }
    }

    /// Reads `network` and checks the rules that involve only the network itself.
    func readNetwork(_ value: JSONValue, at path: JSONPath) -> NetworkDraft? {
        guard let object = ObjectReader(value, at: path, shape: InventoryShape.network, context: context) else {
            return nil
        }
        var draft = NetworkDraft()
        draft.vlanId = object.integer("vlanId")
        draft.subnet = object.required("subnet").flatMap { readSubnet($0, at: object.path("subnet")) }
        draft.gateway = object.ipv4("gateway")
        if let gateway = draft.gateway, let subnet = draft.subnet,
            let problem = hostAddressProblem(gateway, in: subnet)
        {
            context.error(object.path("gateway"), problem)
        }
        draft.pool = object.object("dhcpPool").flatMap {
            readPool($0, subnet: draft.subnet, gateway: draft.gateway)
        }
        draft.dnsServers = object.required("dnsServers").flatMap { readDNSServers($0, at: object.path("dnsServers")) }
        draft.mtu = object.integer("mtu")
        draft.reserved = object.value("reserved").map {
            readReserved($0, at: object.path("reserved"), subnet: draft.subnet, pool: draft.pool)
        } ?? []
        return draft
    }

    /// Why `address` cannot be given to a machine on `subnet`, or nil when it can.
    func hostAddressProblem(_ address: IPv4Address, in subnet: IPv4Network) -> String? {
        if !subnet.contains(address) { return "\(address) is outside network.subnet \(subnet)" }
        if subnet.containsHost(address) { return nil }
        let which = address == subnet.address ? "network" : "broadcast"
        return "\(address) is the \(which) address of network.subnet \(subnet); expected a host address"
    }

    /// `192.168.10.26 to 192.168.10.126`, for messages.
    func describe(_ pool: ClosedRange<IPv4Address>) -> String { "\(pool.lowerBound) to \(pool.upperBound)" }

    private func readSubnet(_ value: JSONValue, at path: JSONPath) -> IPv4Network? {
        guard let text = context.string(value, at: path) else { return nil }
        guard let subnet = IPv4Network(text) else {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2, let address = IPv4Address(String(parts[0])), let length = Int(parts[1]),
                (0...32).contains(length), String(length) == parts[1]
            {
                let masked = IPv4Address(address.value & IPv4Network.mask(length))
                context.error(path, "\(text) has host bits set; the network address would be \(masked)/\(length)")
            } else {
                context.error(path, "\(ValidationContext.shown(text)) is not an IPv4 network in CIDR notation;"
                    + " expected a network address and prefix length such as 192.168.10.0/25")
            }
            return nil
        }
        guard subnet.prefixLength <= 30 else {
            context.error(path, "\(subnet) has no room for a gateway, devices and a DHCP pool;"
                + " expected a prefix length of at most /30")
            return nil
        }
        return subnet
    }

    private func readPool(_ object: ObjectReader, subnet: IPv4Network?, gateway: IPv4Address?)
        -> ClosedRange<IPv4Address>?
    {
        let start = object.ipv4("start")
        let end = object.ipv4("end")
        var valid = true
        for (key, address) in [("start", start), ("end", end)] {
            guard let address, let subnet, let problem = hostAddressProblem(address, in: subnet) else { continue }
            context.error(object.path(key), problem)
            valid = false
        }
        guard let start, let end else { return nil }
        guard start <= end else {
            context.error(object.path, "start \(start) is after end \(end); expected start <= end")
            return nil
        }
        if let gateway, (start...end).contains(gateway) {
            context.error(object.path, "the pool \(start) to \(end) includes network.gateway \(gateway);"
                + " DHCP would hand out the gateway's address")
            valid = false
        }
        return valid ? start...end : nil
    }

    private func readDNSServers(_ value: JSONValue, at path: JSONPath) -> DNSServers? {
        switch value {
        case .string(let text):
            guard text == "auto" else {
                context.error(path, "unknown value \(ValidationContext.shown(text));"
                    + " expected \"auto\" or a list of IPv4 addresses")
                return nil
            }
            return .auto
        case .array:
            guard let elements = context.array(value, at: path, shape: InventoryShape.dnsServerList) else { return nil }
            let servers = readUniqueAddresses(elements)
            return servers.count == elements.count ? .list(servers.map(\.address)) : nil
        default:
            context.error(path, "expected a list of IPv4 addresses or \"auto\", found \(value.kindDescription)")
            return nil
        }
    }

    private func readReserved(_ value: JSONValue, at path: JSONPath, subnet: IPv4Network?,
                              pool: ClosedRange<IPv4Address>?) -> [(path: JSONPath, address: IPv4Address)]
    {
        readUniqueAddresses(context.array(value, at: path) ?? []).filter { entry in
            if let subnet, let problem = hostAddressProblem(entry.address, in: subnet) {
                context.error(entry.path, problem)
                return false
            }
            if let pool, pool.contains(entry.address) {
                context.error(entry.path, "\(entry.address) is inside network.dhcpPool \(describe(pool));"
                    + " a reserved address must stay out of the pool")
                return false
            }
            return true
        }
    }

    /// The IPv4 addresses of an array, reporting bad ones and repeats (the repeat is dropped).
    private func readUniqueAddresses(_ elements: [(path: JSONPath, value: JSONValue)])
        -> [(path: JSONPath, address: IPv4Address)]
    {
        var result: [(path: JSONPath, address: IPv4Address)] = []
        var firstSeen: [IPv4Address: JSONPath] = [:]
        for element in elements {
            guard let address = context.ipv4(element.value, at: element.path) else { continue }
            if let first = firstSeen[address] {
                context.error(element.path, "\(address) is listed twice (also at \(first))")
                continue
            }
            firstSeen[address] = element.path
            result.append((element.path, address))
        }
        return result
    }
}
