import Fleet
import Playbooks
import Testing

@Suite("LiquidMetal step lists per role")
struct StepListTests {
    private func ids(_ device: Device, _ inventory: Inventory) -> [String] {
        LiquidMetal.steps(for: device, in: inventory, authKey: nil).map(\.id)
    }

    static let vlan = ["8021q-module", "vlan-unit", "vlan-interface"]

    @Test("hub: VLAN, ISC DHCP, forwarding, firewalld NAT, Tailscale")
    func hubDefault() {
        #expect(ids(DemoInventory.hub, DemoInventory.inventory()) == Self.vlan + [
            "dhcp-package", "dhcp-config", "dhcp-interface", "dhcp-server", "ip-forwarding",
            "firewalld-package", "firewalld", "nat-forwarding", "nat-rules",
            "tailscale-prereqs", "tailscale-repo", "tailscale-package", "tailscaled", "tailscale-up",
        ])
    }

    @Test("hub with Kea and nftables, without Tailscale")
    func hubVariants() {
        let inventory = DemoInventory.inventory(tailscale: nil, nat: .nftables, dhcp: .kea)
        #expect(ids(DemoInventory.hub, inventory) == Self.vlan + [
            "dhcp-package", "dhcp-config", "dhcp-server", "ip-forwarding",
            "nftables-package", "nat-config-dir", "nat-ruleset", "nat-unit", "nat-rules",
        ])
    }

    @Test("a hub reached on another SSH port opens it in firewalld before anything else uses it")
    func hubSSHPort() {
        var hub = DemoInventory.hub
        hub.ssh.port = 2222
        let list = ids(hub, DemoInventory.inventory(tailscale: nil, devices: [hub, DemoInventory.host0]))
        #expect(list.suffix(5) == ["firewalld-package", "firewalld", "firewalld-ssh-port", "nat-forwarding", "nat-rules"])
    }

    @Test("host: VLAN, thin pool, containerd, firecracker, flintlockd")
    func hostDefault() {
        #expect(ids(DemoInventory.host0, DemoInventory.inventory()) == Self.vlan + [
            "host-packages", "thinpool-profile", "thinpool", "containerd-config", "containerd",
            "firecracker", "flintlockd-binary", "flintlockd-config-dir", "flintlockd-tls-dir", "flintlockd-client-ca",
            "flintlockd-certificate", "flintlockd-key", "flintlockd-config", "flintlockd-unit", "flintlockd",
        ])
        var insecure = DemoInventory.flintlock
        insecure.tls = false
        #expect(!ids(DemoInventory.host0, DemoInventory.inventory(flintlock: insecure)).contains { $0.contains("tls") })
    }

    @Test("host without a flintlock section: only the VLAN")
    func hostWithoutFlintlock() {
        #expect(ids(DemoInventory.host0, DemoInventory.inventory(flintlock: nil)) == Self.vlan)
    }

    @Test("the hub never gets flintlock steps and hosts never get hub steps")
    func rolesDoNotMix() {
        let inventory = DemoInventory.inventory()
        #expect(!ids(DemoInventory.hub, inventory).contains { $0.hasPrefix("flintlock") || $0 == "thinpool" })
        #expect(!ids(DemoInventory.host0, inventory).contains { $0.hasPrefix("dhcp") || $0.hasPrefix("tailscale") })
    }

    @Test("ids are unique and kebab-case", arguments: [DemoInventory.hub, DemoInventory.host0])
    func idShape(device: Device) {
        for inventory in [DemoInventory.inventory(), DemoInventory.inventory(nat: .nftables, dhcp: .kea)] {
            let list = ids(device, inventory)
            #expect(Set(list).count == list.count)
            for id in list {
                #expect(id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(id)")
            }
        }
    }

    @Test("notifications point at earlier steps of the same device")
    func notifications() {
        for device in [DemoInventory.hub, DemoInventory.host0] {
            for inventory in [DemoInventory.inventory(), DemoInventory.inventory(nat: .nftables, dhcp: .kea)] {
                let steps = LiquidMetal.steps(for: device, in: inventory, authKey: nil)
                for (index, step) in steps.enumerated() {
                    for source in step.notifiedBy {
                        let position = steps.firstIndex { $0.id == source }
                        #expect(position.map { $0 < index } == true, "\(step.id) notified by \(source)")
                    }
                }
                #expect(throws: Never.self) { try Plan.make(inventory: inventory) { LiquidMetal.steps(for: $0, in: inventory, authKey: nil) } }
            }
        }
        let hub = LiquidMetal.steps(for: DemoInventory.hub, in: DemoInventory.inventory(), authKey: nil)
        #expect(hub.first { $0.id == "dhcp-server" }?.notifiedBy == ["dhcp-config", "dhcp-interface", "vlan-interface"])
    }

    @Test("an unusable device yields one failing step instead of a partial playbook")
    func unusable() {
        var device = DemoInventory.host0
        device.vlanAddress = nil
        let steps = LiquidMetal.steps(for: device, in: DemoInventory.inventory(), authKey: nil)
        #expect(steps.map(\.id) == ["inventory"])
        #expect(steps.first?.check.contains("has no vlanAddress") == true)

        device = DemoInventory.host0
        // A parent that is valid alone, but too long with the VLAN suffix (an inventory built in
        // code, past the loader that refuses it).
        device.parentInterface = "abcdefghijklmno"
        #expect(LiquidMetal.steps(for: device, in: DemoInventory.inventory(), authKey: nil).map(\.id) == ["inventory"])
        #expect(LiquidMetal.steps(for: DemoInventory.hub, in: Inventory(source: "x", devices: [], network: nil),
                                  authKey: nil).map(\.id) == ["inventory"])
    }

    @Test("every step that changes something can be undone, except packages and firewalld")
    func undo() {
        for device in [DemoInventory.hub, DemoInventory.host0] {
            for inventory in [DemoInventory.inventory(), DemoInventory.inventory(nat: .nftables, dhcp: .kea)] {
                for step in LiquidMetal.steps(for: device, in: inventory, authKey: nil) {
                    let kept = step.id.hasSuffix("-package") || step.id.hasSuffix("-packages")
                        || ["tailscale-prereqs", "firewalld", "firewalld-ssh-port"].contains(step.id)
                    #expect((step.undo == nil) == kept, "\(step.id)")
                    if step.undo != nil { #expect(step.undoCheck != nil, "\(step.id)") }
                }
            }
        }
    }
}
