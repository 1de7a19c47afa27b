import Testing

@testable import Fleet

@Suite("IPv4Address and IPv4Network")
struct IPv4Tests {
    @Test("strict dotted quads parse", arguments: ["0.0.0.0", "192.168.10.2", "255.255.255.255", "203.0.113.10"])
    func valid(_ text: String) throws {
        #expect(try #require(IPv4Address(text)).description == text)
    }

    @Test("anything else is refused", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "10.10.99.999", "010.1.1.1", "1.2.3.04", "10.10.99.99\\24",
        "::ffff:10.0.0.1", " 1.2.3.4", "1.2.3.4 ", "1..3.4", "+1.2.3.4", "0x7f.0.0.1", "1.2.3.4/32", "١.٢.٣.٤",
    ])
    func invalid(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test("networks must have their host bits clear")
    func networks() throws {
        let network = try #require(IPv4Network("192.168.10.0/25"))
        #expect(network.netmask.description == "255.255.255.128")
        #expect(network.broadcast.description == "192.168.10.127")
        #expect(IPv4Network("192.168.10.5/25") == nil)
        #expect(IPv4Network("192.168.10.0/33") == nil)
        #expect(IPv4Network("192.168.10.0/025") == nil)
        #expect(IPv4Network("192.168.10.0") == nil)
    }

    @Test("host addresses exclude the network and broadcast addresses")
    func hosts() throws {
        let network = try #require(IPv4Network("192.168.10.0/25"))
        let host = { (text: String) in IPv4Address(text).map(network.containsHost) }
        #expect(host("192.168.10.0") == false)
        #expect(host("192.168.10.1") == true)
        #expect(host("192.168.10.126") == true)
        #expect(host("192.168.10.127") == false)
        #expect(host("192.168.10.128") == false)
    }
}
