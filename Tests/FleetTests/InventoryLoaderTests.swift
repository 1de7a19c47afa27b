import Foundation
import Testing

@testable import Fleet

/// Loading files, the example inventory, and what a valid inventory turns into.
@Suite("InventoryLoader")
struct InventoryLoaderTests {
    static var examplePath: String { InventoryFixture.inventoryFolder.appendingPathComponent("example.json").path }

    @Test("inventory/example.json validates cleanly")
    func exampleValidates() throws {
        let result = InventoryLoader.load(path: Self.examplePath)
        #expect(result.diagnostics.map(\.description) == [])
        let inventory = try #require(result.inventory)
        #expect(inventory.source == Self.examplePath)
        #expect(inventory.playbook == .liquidMetal)
        #expect(inventory.devices.map(\.name) == ["hub", "host-0", "host-1"])
        #expect(inventory.hub?.vlanAddress == IPv4Address("192.168.10.2"))
        let network = try #require(inventory.network)
        #expect(network.vlanId == 1000)
        #expect(network.subnet == IPv4Network("192.168.10.0/25"))
        #expect(network.dhcpPool == IPv4Address(0xC0A8_0A1A)...IPv4Address(0xC0A8_0A7E))
        #expect(network.reserved == [IPv4Address(0xC0A8_0A19)])
        #expect(network.dnsServers == .list([IPv4Address(0x934B_CFCF), IPv4Address(0x934B_CFD0)]))
        #expect(inventory.tailscale?.authKey == .environment("TS_AUTHKEY"))
        #expect(inventory.flintlock?.version == "v0.11.0")
        #expect(inventory.flintlock?.firecrackerVersion == "v1.15.1")
        #expect(inventory.flintlock?.networkMode == .bridge("br-mvm"))
    }

    @Test("the example validates with its auth key variable unset: the key is read later, not by the loader")
    func exampleWithoutAuthKey() throws {
        // A variable name no environment has, rather than unsetting TS_AUTHKEY, which other
        // tests running in parallel in this process might read.
        let variable = "FLEET_TEST_UNSET_" + UUID().uuidString.replacingOccurrences(of: "-", with: "_")
        #expect(ProcessInfo.processInfo.environment[variable] == nil)
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
            .replacingOccurrences(of: "\"TS_AUTHKEY\"", with: "\"\(variable)\"")
        let result = InventoryLoader.parse(Data(text.utf8), source: "example.json")
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.inventory?.tailscale?.authKey == .environment(variable))
    }

    @Test("defaults are filled in and device SSH settings are merged over the top-level ones")
    func defaultsAndMerging() throws {
        let text = try InventoryFixture.variant([
            ("\"ssh\": {\"user\": \"root\"}", "\"ssh\": {\"user\": \"admin\", \"identityFile\": \"~/.ssh/lab\"}"),
            ("\"address\": \"203.0.113.11\"", "\"address\": \"203.0.113.11\", \"ssh\": {\"user\": \"root\", \"port\": 2222}"),
        ])
        let inventory = try #require(InventoryFixture.parse(text).inventory)
        #expect(inventory.ssh == SSHSettings(user: "admin", identityFile: "~/.ssh/lab"))
        #expect(inventory.devices[0].ssh == SSHSettings(user: "admin", identityFile: "~/.ssh/lab"))
        #expect(inventory.devices[1].ssh == SSHSettings(user: "root", port: 2222, identityFile: "~/.ssh/lab"))
        #expect(inventory.devices[0].parentInterface == "bond0")
        #expect(inventory.nat == NATSettings())
        #expect(inventory.dhcp == DHCPSettings())
        #expect(inventory.flintlock?.grpcPort == 9090)
        #expect(inventory.flintlock?.networkMode == .bridge("fleetbr0"))
        #expect(inventory.flintlock?.artifactBaseURL == "https://github.com")
        #expect(inventory.tailscale == TailscaleSettings(authKey: .environment("TS_AUTHKEY")))
    }

    @Test("the none playbook needs no network, and warns about sections it ignores")
    func nonePlaybook() throws {
        let text = try InventoryFixture.variant([
            ("\"playbook\": \"liquid-metal\"", "\"playbook\": \"none\""), (InventoryFixture.network, ""),
            (", \"vlanAddress\": \"192.168.10.4\"", ""),
        ])
        let result = InventoryFixture.parse(text)
        #expect(result.diagnostics.map(\.description) == [
            "inventory/test.json: tailscale: warning: ignored: the \"none\" playbook runs only extraSteps",
            "inventory/test.json: flintlock: warning: ignored: the \"none\" playbook runs only extraSteps",
        ])
        let inventory = try #require(result.inventory)
        #expect(inventory.playbook == PlaybookChoice.none)
        #expect(inventory.network == nil)
        #expect(inventory.devices[2].vlanAddress == nil)
    }

    @Test("every problem is reported in one run")
    func multipleErrors() throws {
        let text = try InventoryFixture.variant([
            ("\"vlanId\": 1000", "\"vlanID\": 4095"),
            ("\"name\": \"host-1\"", "\"name\": \"host-0\""),
            ("\"vlanAddress\": \"192.168.10.4\"", "\"vlanAddress\": \"192.168.10.200\""),
            ("\"reserved\": [\"192.168.10.25\"]", "\"reserved\": [\"192.168.10.30\"]"),
            ("\"version\": \"v0.11.0\"", "\"version\": \"latest\""),
            ("\"path\": \"/etc/motd\"", "\"path\": \"/etc/../motd\""),
        ])
        let result = InventoryFixture.parse(text)
        #expect(result.inventory == nil)
        #expect(result.diagnostics.map(\.description) == [
            "inventory/test.json: network: unknown key `vlanID`; did you mean `vlanId`?",
            "inventory/test.json: network.reserved[0]: 192.168.10.30 is inside network.dhcpPool 192.168.10.26 to 192.168.10.126; a reserved address must stay out of the pool",
            "inventory/test.json: flintlock.version: \"latest\" is not a valid release tag; expected 'v' followed by 1 to 40 letters, digits, '.', '_' or '-', such as v0.11.0",
            "inventory/test.json: extraSteps[0].file.path: \"/etc/../motd\" contains a '..' component; expected a path that stays where it says",
            "inventory/test.json: devices[2].name: \"host-0\" is already the name of devices[1]",
            "inventory/test.json: devices[2].vlanAddress: 192.168.10.200 is outside network.subnet 192.168.10.0/25",
        ])
    }

    @Test("a missing file, a directory and an unreadable path are clear errors")
    func missingFiles() throws {
        let folder = try TemporaryFolder()
        let missing = folder.url.appendingPathComponent("nope.json").path
        #expect(InventoryLoader.load(path: missing).diagnostics.map(\.description) == [
            "\(missing): cannot read the inventory: no such file"
        ])
        #expect(InventoryLoader.load(path: folder.url.path).diagnostics.map(\.description) == [
            "\(folder.url.path): is a directory; expected an inventory JSON file"
        ])
    }

    @Test("a 50 MB file is refused before it is parsed")
    func hugeFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("huge.json").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{".utf8)))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 50_000_000)  // sparse: costs no disk and no time
        try handle.close()
        let result = InventoryLoader.load(path: path)
        #expect(result.inventory == nil)
        #expect(result.diagnostics.map(\.description) == ["\(path): file is 50.0 MB; an inventory may be at most 1 MiB"])
    }

    @Test("the size that counts is the symlink target's")
    func hugeFileBehindSymlink() throws {
        let folder = try TemporaryFolder()
        let target = folder.url.appendingPathComponent("huge.json").path
        let link = folder.url.appendingPathComponent("inventory.json").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data("{".utf8)))
        let handle = try #require(FileHandle(forWritingAtPath: target))
        try handle.truncate(atOffset: 2_500_000)
        try handle.close()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(InventoryLoader.load(path: link).diagnostics.map(\.description) == [
            "\(link): file is 2.5 MB; an inventory may be at most 1 MiB"
        ])
    }

    @Test("data over 1 MiB is refused by parse too")
    func hugeData() {
        let result = InventoryLoader.parse(Data(count: InventoryLoader.maximumSize + 1), source: "big.json")
        #expect(result.diagnostics.map(\.description) == ["big.json: file is 1048577 bytes; an inventory may be at most 1 MiB (1048576 bytes)"])
    }
}
