import Fleet

/// The Liquid Metal playbook: what the demo's `vlan.sh`, `dhcp.sh`, `nat.sh`, `tailscale.sh` and
/// `flintlock.sh` did, as idempotent, verifiable, reversible steps.
///
/// Every device gets the VLAN (``VLAN``). The hub then gets DHCP (ISC or Kea), IP forwarding,
/// NAT (firewalld direct rules or an nftables table) and, when the inventory has a `tailscale`
/// section, a Tailscale subnet router. MicroVM hosts with a `flintlock` section get the thin
/// pool, containerd, firecracker and flintlockd. The order follows the dependencies: the VLAN
/// before DHCP (Kea's config test needs the interface) and flintlockd (it binds the VLAN
/// address), forwarding before NAT and the subnet router, the pool before containerd.
public enum LiquidMetal {
    /// The playbook's steps for one device, in order.
    /// - Parameters:
    ///   - device: the device, one of `inventory.devices`.
    ///   - inventory: the validated inventory.
    ///   - authKey: the Tailscale auth key read locally by the CLI, or nil when it is not needed
    ///     (check and teardown runs); it appears only in the `tailscale-up` apply snippet and its
    ///     ``Step/secrets``.
    ///   - tls: flintlockd's certificates, prepared by the CLI (``FlintlockCredentials``), or nil
    ///     when the inventory wants no TLS or none exist yet (then the certificate steps' checks
    ///     fail, saying that `up` issues them); host keys appear only in ``Step/secrets``.
    /// - Returns: the steps; a single failing `inventory` step when the inventory lacks what the
    ///   playbook needs or holds names that cannot be rendered safely (the loader's validation
    ///   should have caught this already).
    public static func steps(for device: Device, in inventory: Inventory, authKey: String?,
                             tls: FlintlockCredentials? = nil) -> [Step] {
        let problems = PlaybookContext.problems(device: device, inventory: inventory)
        guard problems.isEmpty, let network = inventory.network, let address = device.vlanAddress else {
            let failure = Snippet.fail("the liquid-metal playbook cannot run on \(device.name): "
                + problems.joined(separator: "; "))
            return [Step(id: "inventory", title: "inventory usable for liquid-metal", check: failure, apply: failure)]
        }
        let context = PlaybookContext(inventory: inventory, device: device, network: network, address: address,
                                      authKey: authKey, tls: tls)
        var steps = VLAN.steps(context)
        switch device.role {
        case .hub: steps += hub(context)
        case .host: steps += host(context)
        }
        return steps
    }

    static func hub(_ context: PlaybookContext) -> [Step] {
        var steps: [Step] = []
        switch context.inventory.dhcp.backend {
        case .isc: steps += ISCDHCP.steps(context)
        case .kea: steps += KeaDHCP.steps(context)
        }
        steps.append(.sysctl(id: "ip-forwarding", file: "90-fleet-ip-forward.conf",
                             settings: [("net.ipv4.ip_forward", "1")], title: "IPv4 forwarding"))
        switch context.inventory.nat.backend {
        case .firewalld: steps += FirewalldNAT.steps(context)
        case .nftables: steps += NftablesNAT.steps(context)
        }
        if let tailscale = context.inventory.tailscale {
            steps += TailscaleRouter.steps(context, settings: tailscale)
        }
        return steps
    }

    static func host(_ context: PlaybookContext) -> [Step] {
        guard let flintlock = context.inventory.flintlock else { return [] }
        let packages = Step.aptPackages(id: "host-packages",
                                        packages: ["lvm2", "thin-provisioning-tools", "containerd", "curl",
                                                   "ca-certificates"])
        return [packages] + Thinpool.steps(flintlock) + Containerd.steps()
            + [ReleaseBinary.firecracker(flintlock).step, ReleaseBinary.flintlockd(flintlock).step]
            + Flintlockd.steps(context, settings: flintlock)
    }
}
