import Testing

@testable import Fleet

/// Broken and valid `extraSteps`.
@Suite("Inventory validation: extra steps")
struct ExtraStepValidationTests {
    static let motd = "{\"id\": \"motd\", \"role\": \"hub\", \"file\": {\"path\": \"/etc/motd\", \"content\": \"hi\\n\"}}"
    static let pathRule = "an absolute path of letters, digits and . _ / @ + -"

    /// Replaces the first extra step (`motd`) with `step`.
    static func first(_ name: String, _ step: String, _ expected: [String]) -> BrokenInventory {
        BrokenInventory(name, [(motd, step)], expected)
    }

    static let cases: [BrokenInventory] = [
        first("duplicate ids", "{\"id\": \"conf-line\", \"directory\": {\"path\": \"/srv\"}}", [
            "extraSteps[1].id: \"conf-line\" is already the id of extraSteps[0]"
        ]),
        first("bad id", "{\"id\": \"Motd!\", \"directory\": {\"path\": \"/srv\"}}", [
            "extraSteps[0].id: \"Motd!\" is not a valid step id; expected 1 to 63 lowercase letters, digits or '-', starting with a letter or digit"
        ]),
        first("no kind", "{\"id\": \"motd\"}", [
            "extraSteps[0]: expected exactly one of `file`, `line`, `directory` or `command`, found none"
        ]),
        first("two kinds", "{\"id\": \"motd\", \"line\": {\"path\": \"/a\", \"line\": \"x\"}, \"directory\": {\"path\": \"/b\"}}", [
            "extraSteps[0]: expected exactly one of `file`, `line`, `directory` or `command`, found `line` and `directory`"
        ]),
        first("unknown role", "{\"id\": \"motd\", \"role\": \"everyone\", \"directory\": {\"path\": \"/srv\"}}", [
            "extraSteps[0].role: unknown role \"everyone\"; expected \"hub\", \"host\" or \"all\""
        ]),
        first("relative path", "{\"id\": \"motd\", \"directory\": {\"path\": \"srv/data\"}}", [
            "extraSteps[0].directory.path: \"srv/data\" is not a valid path; expected \(pathRule)"
        ]),
        first("dot-dot in a path", "{\"id\": \"motd\", \"directory\": {\"path\": \"/srv/../etc\"}}", [
            "extraSteps[0].directory.path: \"/srv/../etc\" contains a '..' component; expected a path that stays where it says"
        ]),
        first("shell metacharacters and quotes in a path", "{\"id\": \"motd\", \"line\": {\"path\": \"/etc/$(id)'x\", \"line\": \"a\"}}", [
            "extraSteps[0].line.path: \"/etc/$(id)'x\" is not a valid path; expected \(pathRule)"
        ]),
        first("space in a path", "{\"id\": \"motd\", \"directory\": {\"path\": \"/srv/my data\"}}", [
            "extraSteps[0].directory.path: \"/srv/my data\" is not a valid path; expected \(pathRule)"
        ]),
        first("newline in a path", "{\"id\": \"motd\", \"directory\": {\"path\": \"/srv\\n/etc\"}}", [
            "extraSteps[0].directory.path: \"/srv\\n/etc\" contains a line break; expected a single line"
        ]),
        first("bad mode", "{\"id\": \"motd\", \"directory\": {\"path\": \"/srv\", \"mode\": \"0999\"}}", [
            "extraSteps[0].directory.mode: \"0999\" is not a valid file mode; expected 3 or 4 octal digits, such as 0644"
        ]),
        first("owner without group", "{\"id\": \"motd\", \"directory\": {\"path\": \"/srv\", \"owner\": \"root\"}}", [
            "extraSteps[0].directory.owner: \"root\" is not a valid owner; expected user:group in lowercase letters, digits, '_' or '-', such as root:root"
        ]),
        first("newline in a line", "{\"id\": \"motd\", \"line\": {\"path\": \"/etc/a\", \"line\": \"a\\nb\"}}", [
            "extraSteps[0].line.line: \"a\\nb\" contains a line break; expected a single line"
        ]),
        first("NUL in file content", "{\"id\": \"motd\", \"file\": {\"path\": \"/etc/a\", \"content\": \"a\\u0000b\"}}", [
            "extraSteps[0].file.content: contains a NUL character (\\u0000), which no file or command can carry"
        ]),
        first("missing content", "{\"id\": \"motd\", \"file\": {\"path\": \"/etc/a\"}}", [
            "extraSteps[0].file: missing required key `content`"
        ]),
        first("empty apply command", "{\"id\": \"motd\", \"command\": {\"check\": \"true\", \"apply\": \"  \"}}", [
            "extraSteps[0].command.apply: expected a shell command, found an empty string"
        ]),
        first("NUL in a command", "{\"id\": \"motd\", \"command\": {\"check\": \"true\", \"apply\": \"x\\u0000\"}}", [
            "extraSteps[0].command.apply: contains a NUL character (\\u0000), which no file or command can carry"
        ]),
        first("newline in a title", "{\"id\": \"motd\", \"title\": \"a\\nb\", \"directory\": {\"path\": \"/srv\"}}", [
            "extraSteps[0].title: \"a\\nb\" contains a line break; expected a single line"
        ]),
    ]

    @Test("broken extra steps", arguments: cases)
    func brokenStep(_ broken: BrokenInventory) throws { try broken.check() }

    @Test("each kind of step, with its defaults")
    func validSteps() throws {
        let steps = """
            [
              {"id": "motd", "role": "hub", "title": "message of the day",
               "file": {"path": "/etc/motd", "content": "hi\\n", "mode": "0600", "owner": "root:adm"}},
              {"id": "conf-line", "role": "all", "line": {"path": "/etc/example.conf", "line": "key = value"}},
              {"id": "data-dir", "directory": {"path": "/srv/data", "mode": "750"}},
              {"id": "marker", "role": "host",
               "command": {"check": "test -e /srv/x", "apply": "touch /srv/x\\necho 'done'", "undo": "rm -f /srv/x"}},
              {"id": "no-undo", "command": {"check": "true", "apply": "true"}}
            ]
            """
        let text = try InventoryFixture.variant([
            ("[\n    \(Self.motd),\n    {\"id\": \"conf-line\", \"line\": {\"path\": \"/etc/example.conf\", \"line\": \"key = value\"}}\n  ]", steps),
        ])
        let result = InventoryFixture.parse(text)
        #expect(result.diagnostics.map(\.description) == [])
        let specs = try #require(result.inventory?.extraSteps)
        #expect(specs == [
            ExtraStepSpec(id: "motd", title: "message of the day", role: .hub,
                          kind: .file(path: "/etc/motd", content: "hi\n", mode: "0600", owner: "root:adm")),
            ExtraStepSpec(id: "conf-line", title: "conf-line", role: nil,
                          kind: .line(path: "/etc/example.conf", line: "key = value")),
            ExtraStepSpec(id: "data-dir", title: "data-dir", role: nil,
                          kind: .directory(path: "/srv/data", mode: "0750", owner: "root:root")),
            ExtraStepSpec(id: "marker", title: "marker", role: .host,
                          kind: .command(check: "test -e /srv/x", apply: "touch /srv/x\necho 'done'", undo: "rm -f /srv/x")),
            ExtraStepSpec(id: "no-undo", title: "no-undo", role: nil, kind: .command(check: "true", apply: "true", undo: nil)),
        ])
    }

    @Test("file steps default to mode 0644 and owner root:root")
    func fileDefaults() throws {
        let specs = try #require(InventoryFixture.parse(InventoryFixture.text).inventory?.extraSteps)
        #expect(specs.first?.kind == .file(path: "/etc/motd", content: "hi\n", mode: "0644", owner: "root:root"))
        #expect(specs.first?.title == "motd")
    }
}
