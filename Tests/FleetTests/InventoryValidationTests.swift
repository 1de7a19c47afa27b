import Testing

@testable import Fleet

/// Broken documents: syntax, types, keys, devices and device addresses.
@Suite("Inventory validation: documents and devices")
struct InventoryValidationTests {
    static let documents: [BrokenInventory] = [
        BrokenInventory("not JSON", text: "hello", [
            "invalid JSON at line 1, column 1: expected a value, found `h`"
        ]),
        BrokenInventory("truncated", text: "{\"devices\": [{\"name\": \"hub\"", [
            "invalid JSON at line 1, column 28: unexpected end of file inside an object (missing `}`)"
        ]),
        BrokenInventory("trailing comma", text: "{\n  \"playbook\": \"none\",\n}", [
            "invalid JSON at line 3, column 1: expected a string key, found `}`"
        ]),
        BrokenInventory("empty file", text: "", [
            "invalid JSON at line 1, column 1: the file is empty; expected a JSON object"
        ]),
        BrokenInventory("top level is an array", text: "[]", [
            "expected the top level to be a JSON object, found an array"
        ]),
        BrokenInventory("unescaped backslash in an address", [("203.0.113.11", "10.10.99.99\\24")], [
            "invalid JSON at line 14, column 63: invalid escape `\\2` in a string; a literal backslash is written `\\\\`"
        ]),
        BrokenInventory("duplicate key", [("\"vlanId\": 1000,", "\"vlanId\": 1000, \"vlanId\": 1001,")], [
            "network.vlanId: duplicate key; each key may appear only once in an object"
        ]),
    ]

    static let typesAndKeys: [BrokenInventory] = [
        BrokenInventory("VLAN id as a string", [("\"vlanId\": 1000", "\"vlanId\": \"1000\"")], [
            "network.vlanId: expected an integer, found a string"
        ]),
        BrokenInventory("VLAN id with a fraction", [("\"vlanId\": 1000", "\"vlanId\": 1000.5")], [
            "network.vlanId: expected an integer, found 1000.5"
        ]),
        BrokenInventory("VLAN id as a boolean", [("\"vlanId\": 1000", "\"vlanId\": true")], [
            "network.vlanId: expected an integer, found a boolean"
        ]),
        BrokenInventory("VLAN 0", [("\"vlanId\": 1000", "\"vlanId\": 0")], [
            "network.vlanId: expected a VLAN id from 1 to 4094, found 0"
        ]),
        BrokenInventory("VLAN 4095", [("\"vlanId\": 1000", "\"vlanId\": 4095")], [
            "network.vlanId: expected a VLAN id from 1 to 4094, found 4095"
        ]),
        BrokenInventory("huge VLAN id", [("\"vlanId\": 1000", "\"vlanId\": 99999999999999999999")], [
            "network.vlanId: expected a VLAN id from 1 to 4094, found 99999999999999999999"
        ]),
        BrokenInventory("name is a number", [("\"name\": \"host-0\"", "\"name\": 7")], [
            "devices[1].name: expected a string, found a number"
        ]),
        BrokenInventory("ssh is a string", [("\"ssh\": {\"user\": \"root\"}", "\"ssh\": \"root\"")], [
            "ssh: expected an object, found a string"
        ]),
        BrokenInventory("missing VLAN id", [("\"vlanId\": 1000,", "")], [
            "network: missing required key `vlanId`"
        ]),
        BrokenInventory("missing network", [(InventoryFixture.network, "")], [
            "missing required key `network` (the liquid-metal playbook builds the VLAN from it)"
        ]),
        BrokenInventory("missing role", [("\"role\": \"host\", \"address\": \"203.0.113.12\"", "\"address\": \"203.0.113.12\"")], [
            "devices[2]: missing required key `role`"
        ]),
        BrokenInventory("missing vlanAddress", [(", \"vlanAddress\": \"192.168.10.4\"", "")], [
            "devices[2]: missing required key `vlanAddress` (the liquid-metal playbook puts every device on the VLAN)"
        ]),
        BrokenInventory("unknown key with a suggestion", [("\"vlanId\": 1000", "\"vlanID\": 1000")], [
            "network: unknown key `vlanID`; did you mean `vlanId`?"
        ]),
        BrokenInventory("unknown top-level key with a suggestion", [("\"extraSteps\"", "\"extrasteps\"")], [
            "unknown key `extrasteps`; did you mean `extraSteps`?"
        ]),
        BrokenInventory("unknown key without a suggestion", [("\"name\": \"hub\",", "\"name\": \"hub\", \"colour\": \"red\",")], [
            "devices[0]: unknown key `colour`; expected one of `name`, `role`, `address`, `vlanAddress`, `parentInterface`, `ssh`"
        ]),
        BrokenInventory("free text with a control character", [("{\n  \"playbook\"", "{\n  \"$schema\": \"a\\u0007b\",\n  \"playbook\"")], [
            "$schema: \"a\\u0007b\" contains the control character U+0007; expected printable text"
        ]),
    ]

    static let devices: [BrokenInventory] = [
        BrokenInventory("no devices", [(InventoryFixture.devices, "  \"devices\": [],\n")], [
            "devices: expected at least one device, found an empty array"
        ]),
        BrokenInventory("two hubs", [("\"name\": \"host-0\", \"role\": \"host\"", "\"name\": \"host-0\", \"role\": \"hub\"")], [
            "devices[1].role: a second hub; devices[0] \"hub\" is already the hub, and there must be exactly one"
        ]),
        BrokenInventory("no hub", [("\"name\": \"hub\", \"role\": \"hub\"", "\"name\": \"hub\", \"role\": \"host\"")], [
            "devices: expected exactly one device with role \"hub\", found none"
        ]),
        BrokenInventory("unknown role", [("\"name\": \"hub\", \"role\": \"hub\"", "\"name\": \"hub\", \"role\": \"nat-gw\"")], [
            "devices[0].role: unknown role \"nat-gw\"; expected \"hub\" or \"host\""
        ]),
        BrokenInventory("duplicate names", [("\"name\": \"host-1\"", "\"name\": \"host-0\"")], [
            "devices[2].name: \"host-0\" is already the name of devices[1]"
        ]),
        BrokenInventory("duplicate address and port", [("203.0.113.12", "203.0.113.11")], [
            "devices[2].address: 203.0.113.11 port 22 is already used by devices[1] \"host-0\"; each device needs its own address and SSH port"
        ]),
        BrokenInventory("duplicate vlanAddress", [("\"vlanAddress\": \"192.168.10.4\"", "\"vlanAddress\": \"192.168.10.3\"")], [
            "devices[2].vlanAddress: 192.168.10.3 is already the vlanAddress of devices[1] \"host-0\""
        ]),
        BrokenInventory("shell metacharacters in a name", [("\"name\": \"host-0\"", "\"name\": \"host;reboot\"")], [
            "devices[1].name: \"host;reboot\" is not a valid device name; expected 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit"
        ]),
        BrokenInventory("quote in a name", [("\"name\": \"host-0\"", "\"name\": \"host'0\\\"\"")], [
            "devices[1].name: \"host'0\\\"\" is not a valid device name; expected 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit"
        ]),
        BrokenInventory("newline in a name", [("\"name\": \"host-0\"", "\"name\": \"host\\n0\"")], [
            "devices[1].name: \"host\\n0\" contains a line break; expected a single line"
        ]),
        BrokenInventory("upper case and leading dash in names", [
            ("\"name\": \"host-0\"", "\"name\": \"Host-0\""), ("\"name\": \"host-1\"", "\"name\": \"-host\""),
        ], [
            "devices[1].name: \"Host-0\" is not a valid device name; expected 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
            "devices[2].name: \"-host\" is not a valid device name; expected 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
        ]),
    ]

    static let addresses: [BrokenInventory] = [
        BrokenInventory("octet over 255", [("203.0.113.11", "10.10.99.999")], [
            "devices[1].address: \"10.10.99.999\" is not a valid IPv4 address; expected four decimal numbers from 0 to 255 without leading zeros"
        ]),
        BrokenInventory("leading zero", [("203.0.113.11", "010.1.1.1")], [
            "devices[1].address: \"010.1.1.1\" is not a valid IPv4 address; expected four decimal numbers from 0 to 255 without leading zeros"
        ]),
        BrokenInventory("address with a backslash suffix", [("203.0.113.11", "10.10.99.99\\\\24")], [
            "devices[1].address: \"10.10.99.99\\\\24\" is neither an IPv4 address nor a DNS host name; expected an address such as 203.0.113.10 or a name such as hub.example.com"
        ]),
        BrokenInventory("IPv4-mapped IPv6", [("203.0.113.11", "::ffff:10.0.0.1")], [
            "devices[1].address: \"::ffff:10.0.0.1\" is an IPv4-mapped IPv6 address; write the plain IPv4 address 10.0.0.1"
        ]),
        BrokenInventory("IPv6", [("203.0.113.11", "2001:db8::1")], [
            "devices[1].address: \"2001:db8::1\" looks like an IPv6 address, which fleet does not support; expected an IPv4 address or a DNS host name"
        ]),
        BrokenInventory("command substitution as an address", [("203.0.113.11", "$(reboot)")], [
            "devices[1].address: \"$(reboot)\" is neither an IPv4 address nor a DNS host name; expected an address such as 203.0.113.10 or a name such as hub.example.com"
        ]),
        BrokenInventory("ssh option as an address", [("203.0.113.11", "-oProxyCommand=id")], [
            "devices[1].address: \"-oProxyCommand=id\" is neither an IPv4 address nor a DNS host name; expected an address such as 203.0.113.10 or a name such as hub.example.com"
        ]),
        BrokenInventory("empty DNS label", [("203.0.113.11", "host..example.com")], [
            "devices[1].address: \"host..example.com\" is neither an IPv4 address nor a DNS host name; expected an address such as 203.0.113.10 or a name such as hub.example.com"
        ]),
    ]

    @Test("broken documents", arguments: documents)
    func brokenDocument(_ broken: BrokenInventory) throws { try broken.check() }

    @Test("wrong types, missing and unknown keys", arguments: typesAndKeys)
    func brokenTypes(_ broken: BrokenInventory) throws { try broken.check() }

    @Test("broken devices", arguments: devices)
    func brokenDevice(_ broken: BrokenInventory) throws { try broken.check() }

    @Test("broken device addresses", arguments: addresses)
    func brokenAddress(_ broken: BrokenInventory) throws { try broken.check() }

    @Test("the fixture itself is valid")
    func fixtureIsValid() throws {
        let result = InventoryFixture.parse(InventoryFixture.text)
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.inventory != nil)
    }

    @Test("host names and a second SSH port on one address are fine")
    func validAddressVariants() throws {
        let text = try InventoryFixture.variant([
            ("203.0.113.11", "host-0.example.com"),
            ("\"address\": \"203.0.113.12\"", "\"address\": \"HOST-0.example.com\", \"ssh\": {\"port\": 2222}"),
        ])
        let result = InventoryFixture.parse(text)
        #expect(result.diagnostics.map(\.description) == [])
        let devices = try #require(result.inventory?.devices)
        #expect(devices[1].address == "host-0.example.com")
        #expect(devices[2].ssh == SSHSettings(user: "root", port: 2222))
    }
}
