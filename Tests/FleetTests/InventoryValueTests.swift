import Fleet
import Testing

/// The typed inventory values hold their rule once: what the initialiser accepts is exactly what
/// the pattern (the schema's too) matches.
@Suite("typed inventory values")
struct InventoryValueTests {
    @Test("interface names: at most 15 characters, no leading '-', no '.', no shell metacharacters",
          arguments: [("bond0", true), ("enp1s0f0", true), ("_x", true), ("abcdefghijklmno", true),
                      ("abcdefghijklmnop", false), ("-bond0", false), ("bond0.1000", false), ("eth0;reboot", false),
                      ("", false), ("eth 0", false), ("bönd0", false)])
    func interfaceName(_ text: String, _ valid: Bool) {
        #expect((InterfaceName(text) != nil) == valid)
        #expect(InterfaceName.accepts(text) == valid)
    }

    @Test("sha256 digests are 64 lowercase hex digits", arguments: [
        (String(repeating: "a", count: 64), true), (String(repeating: "A", count: 64), false),
        (String(repeating: "a", count: 63), false), (String(repeating: "g", count: 64), false),
    ])
    func digest(_ text: String, _ valid: Bool) {
        #expect((SHA256Digest(text) != nil) == valid)
    }

    @Test("release tags and their numeric part")
    func releaseTag() {
        // Through a function: `ReleaseTag("…")` with a literal is the literal initialiser (SE-0213).
        func tag(_ text: String) -> ReleaseTag? { ReleaseTag(text) }
        #expect(tag("v0.11.0")?.semanticVersion.map { [$0.0, $0.1, $0.2] } == [0, 11, 0])
        #expect(tag("v1.2.3-rc1")?.semanticVersion.map { [$0.0, $0.1, $0.2] } == [1, 2, 3])
        #expect(tag("vnext") != nil && tag("vnext")?.semanticVersion == nil)
        #expect(tag("0.11.0") == nil)
        #expect(tag("v0.11.0;x") == nil)
    }

    @Test("extra step values: paths stay where they say, modes keep four digits, owners and ids follow their words")
    func extraStepValues() {
        func path(_ text: String) -> AbsolutePath? { AbsolutePath(text) }
        #expect(path("/etc/motd")?.rawValue == "/etc/motd")
        #expect(path("/srv/../etc") == nil && !AbsolutePath.accepts("/srv/../etc"))
        #expect(path("/srv/..data") != nil, "only a whole '..' component is refused")
        #expect(path("etc/motd") == nil && path("/etc/mo td") == nil && path("/etc/$(x)") == nil)
        #expect(AbsolutePathRule.refusal(of: "/a/../b") == "contains a '..' component; expected a path that stays where it says")

        func mode(_ text: String) -> FileMode? { FileMode(text) }
        #expect(mode("644")?.rawValue == "0644")
        #expect(mode("0755")?.rawValue == "0755" && mode("1777")?.rawValue == "1777")
        #expect(mode("999") == nil && mode("06444") == nil && mode("") == nil)

        func owner(_ text: String) -> FileOwner? { FileOwner(text) }
        #expect(owner("root:root") != nil && owner("www-data:adm") != nil)
        #expect(owner("root") == nil && owner("Root:root") == nil && owner("root:root;x") == nil)

        func id(_ text: String) -> ExtraStepID? { ExtraStepID(text) }
        #expect(id("motd") != nil && id("9p") != nil && id(String(repeating: "a", count: 63)) != nil)
        #expect(id("-motd") == nil && id("Motd") == nil && id(String(repeating: "a", count: 64)) == nil)
    }
}
