import Foundation
import Testing
import FleetTestSupport
@testable import Fleet

@Suite("Step.line, Step.directory and Step.command, executed", .serialized, .timeLimit(.minutes(1)))
struct LineDirectoryCommandTests {
    let dir: URL
    init() throws { dir = try LocalShell.hostileTemporaryDirectory() }

    private func read(_ url: URL) throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

    @Test("a line is appended once, never duplicated, and undo removes exactly it")
    func lineLifecycle() throws {
        let target = dir.appendingPathComponent("etc dir/modules 'x'.conf")
        let line = #"it's $(touch PWNED) "quoted" \ [a-z]* 1.0"#
        let step = Step.line(id: "l", path: target.path, line: line)
        let missing = try LocalShell.run(step.check)
        #expect(!missing.succeeded)
        #expect(missing.stdout.contains("missing"))

        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try read(target) == line + "\n")
        #expect(try LocalShell.run(step.check).succeeded)

        // Existing content without a final newline, and look-alike lines, survive untouched.
        try "keep me\n1\nit's\(line)x\nno newline at end".write(to: target, atomically: true, encoding: .utf8)
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try read(target) == "keep me\n1\nit's\(line)x\nno newline at end\n\(line)\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path)

        let undoCheck = try #require(step.undoCheck)
        #expect(!(try LocalShell.run(undoCheck).succeeded))
        #expect(try LocalShell.run(try #require(step.undo)).succeeded)
        #expect(try read(target) == "keep me\n1\nit's\(line)x\nno newline at end\n")
        #expect(try LocalShell.run(undoCheck).succeeded)
        let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: "PWNED"))
    }

    @Test("duplicates left by an old append script are reported and collapsed to one")
    func duplicates() throws {
        let target = dir.appendingPathComponent("networking.conf")
        try "8021q\nother\n8021q\n8021q.0\n8021q\n".write(to: target, atomically: true, encoding: .utf8)
        let step = Step.line(id: "l", path: target.path, line: "8021q")
        let result = try LocalShell.run(step.check)
        #expect(result.stdout.contains("line present 3 times"))
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try read(target) == "8021q\nother\n8021q.0\n")
        #expect(try LocalShell.run(step.check).succeeded)
    }

    @Test("a line with a line break fails with a message instead of matching something else")
    func lineBreak() throws {
        let step = Step.line(id: "l", path: dir.appendingPathComponent("x").path, line: "a\nb")
        let result = try LocalShell.run(step.apply)
        #expect(!result.succeeded)
        #expect(result.stderr.contains("contains a line break"))
    }

    @Test("a directory is created with mode and owner; undo removes it only when empty")
    func directory() throws {
        let target = dir.appendingPathComponent("state dir/$(touch PWNED)")
        let step = Step.directory(id: "d", path: target.path, mode: "0750")
        #expect(!(try LocalShell.run(step.check).succeeded))
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try LocalShell.run(step.check).succeeded)
        #expect(try LocalShell.run(step.apply).succeeded)
        let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
        #expect(mode == 0o750)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: target.path)
        let drifted = try LocalShell.run(Step.directory(id: "d", path: target.path, mode: "0700", owner: "nobody:root").check)
        #expect(!drifted.succeeded)
        #expect(drifted.stdout == "\(target.path): owner root:root, want nobody:root\n", "mode matches; only the owner differs")
        let both = try LocalShell.run(Step.directory(id: "d", path: target.path, mode: "0755", owner: "nobody:root").check)
        #expect(both.stdout.contains("\(target.path): mode 700, want 755"))
        #expect(both.stdout.contains("owner root:root, want nobody:root"))
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: target.path)

        try "user data".write(to: target.appendingPathComponent("keep"), atomically: true, encoding: .utf8)
        let undo = try #require(step.undo), undoCheck = try #require(step.undoCheck)
        #expect(try LocalShell.run(undoCheck).succeeded)  // nothing fleet would remove
        let kept = try LocalShell.run(undo)
        #expect(kept.succeeded)
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("keep").path))

        try FileManager.default.removeItem(at: target.appendingPathComponent("keep"))
        #expect(!(try LocalShell.run(undoCheck).succeeded))
        #expect(try LocalShell.run(undo).succeeded)
        #expect(!FileManager.default.fileExists(atPath: target.path))
        #expect(try LocalShell.run(undoCheck).succeeded)
        #expect(!FileManager.default.fileExists(atPath: "PWNED"))
    }

    @Test("undo-check counts a directory holding only fleet's own entries as still to remove")
    func managedEntries() throws {
        let target = dir.appendingPathComponent("etc app")
        let step = Step.directory(id: "d", path: target.path, managedEntries: ["config.yaml", ".hidden 'x'"])
        #expect(try LocalShell.run(step.apply).succeeded)
        for name in ["config.yaml", ".hidden 'x'"] {
            try "x".write(to: target.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let undoCheck = try #require(step.undoCheck)
        #expect(!(try LocalShell.run(undoCheck).succeeded))
        try "mine".write(to: target.appendingPathComponent("user.txt"), atomically: true, encoding: .utf8)
        #expect(try LocalShell.run(undoCheck).succeeded)
    }

    @Test("a command step runs the user's shell as given")
    func command() throws {
        let marker = dir.appendingPathComponent("marker").path
        let quoted = ShellQuote.quote(marker)
        let step = Step.command(id: "c", title: "touch a marker", check: "test -e \(quoted)",
                                apply: "touch \(quoted)", undo: "rm -f \(quoted)", undoCheck: "! test -e \(quoted)")
        #expect(step.title == "touch a marker")
        #expect(!(try LocalShell.run(step.check).succeeded))
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try LocalShell.run(step.check).succeeded)
        #expect(try LocalShell.run(try #require(step.undo)).succeeded)
        #expect(try LocalShell.run(try #require(step.undoCheck)).succeeded)
    }
}
