import Foundation
import Testing
import FleetTestSupport
@testable import Fleet

/// Real execution with /bin/sh against a temporary directory whose name needs quoting.
@Suite("Step.file and Step.configFile, executed", .serialized, .timeLimit(.minutes(1)))
struct FileStepTests {
    let dir: URL
    init() throws { dir = try LocalShell.hostileTemporaryDirectory() }

    private func read(_ url: URL) throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

    @Test("check fails, apply writes exact content, mode and owner, re-apply changes nothing, undo removes")
    func lifecycle() throws {
        let target = dir.appendingPathComponent("sub dir/conf 'x'.txt")
        let content = "first line\nit's $(touch PWNED) `id` \\ \"q\"\n\ntrailing newlines\n\n"
        let step = Step.file(id: "f", path: target.path, content: content, mode: "0640")

        let before = try LocalShell.run(step.check)
        #expect(!before.succeeded)
        #expect(before.stdout.contains("\(target.path): missing"))
        #expect(before.stdout.contains("+it's $(touch PWNED)"))

        let apply = try LocalShell.run(step.apply)
        #expect(apply.succeeded, "\(apply)")
        #expect(try read(target) == content)
        let after = try LocalShell.run(step.check)
        #expect(after.succeeded, "\(after)")
        let attributes = try FileManager.default.attributesOfItem(atPath: target.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o640)

        let mtime = attributes[.modificationDate] as? Date
        #expect(try LocalShell.run(step.check).succeeded)  // a converged check does not rewrite
        #expect((try FileManager.default.attributesOfItem(atPath: target.path)[.modificationDate] as? Date) == mtime)
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try read(target) == content)

        let undoCheck = try #require(step.undoCheck)
        #expect(!(try LocalShell.run(undoCheck).succeeded))
        #expect(try LocalShell.run(try #require(step.undo)).succeeded)
        #expect(try LocalShell.run(undoCheck).succeeded)
        #expect(!FileManager.default.fileExists(atPath: target.path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("PWNED").path))
        #expect(!FileManager.default.fileExists(atPath: "PWNED"))
    }

    @Test("drift is reported as a labelled unified diff plus mode and owner lines")
    func evidence() throws {
        let target = dir.appendingPathComponent("drift.conf")
        try "a\nold\n".write(to: target, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path)
        let step = Step.file(id: "f", path: target.path, content: "a\nnew\n", owner: "nobody:root")
        let result = try LocalShell.run(step.check)
        #expect(!result.succeeded)
        #expect(result.stdout.contains("--- \(target.path)\n+++ \(target.path) (desired)"))
        #expect(result.stdout.contains("-old\n+new"))
        #expect(result.stdout.contains("\(target.path): mode 600, want 644"))
        #expect(result.stdout.contains("\(target.path): owner root:root, want nobody:root"))
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try LocalShell.run(step.check).succeeded)
    }

    @Test("a sensitive file shows no content and lists it as a secret")
    func sensitive() throws {
        let target = dir.appendingPathComponent("token")
        try "old-secret\n".write(to: target, atomically: true, encoding: .utf8)
        let step = Step.file(id: "t", path: target.path, content: "s3cr3t-value\n", mode: "0600", sensitive: true)
        #expect(step.secrets == ["s3cr3t-value\n"])
        #expect(!step.check.contains("s3cr3t-value"))
        let result = try LocalShell.run(step.check)
        #expect(!result.succeeded)
        #expect(result.stdout.contains("content differs (sensitive, not shown)"))
        #expect(!result.output.contains("old-secret"))
        #expect(!result.output.contains("s3cr3t"))
    }

    @Test("a candidate that fails validation never replaces the live file")
    func validation() throws {
        let target = dir.appendingPathComponent("daemon.conf")
        try "good\n".write(to: target, atomically: true, encoding: .utf8)
        let bad = Step.configFile(id: "c", path: target.path, content: .literal("bad\n"),
                                  validate: #"grep -qx good "$candidate""#)
        let result = try LocalShell.run(bad.apply)
        #expect(!result.succeeded)
        #expect(result.stderr.contains("failed validation"))
        #expect(try read(target) == "good\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".fleet") }
        #expect(leftovers.isEmpty)
    }

    @Test("keepOriginal backs up once and undo restores the original")
    func keepOriginal() throws {
        let target = dir.appendingPathComponent("packaged.conf")
        try "from the package\n".write(to: target, atomically: true, encoding: .utf8)
        let step = Step.configFile(id: "c", path: target.path, content: .literal("ours v1\n"), keepOriginal: true)
        #expect(try LocalShell.run(step.apply).succeeded)
        let second = Step.configFile(id: "c", path: target.path, content: .literal("ours v2\n"), keepOriginal: true)
        #expect(try LocalShell.run(second.apply).succeeded)
        #expect(try read(URL(fileURLWithPath: target.path + ".fleet-orig")) == "from the package\n")
        let undoCheck = try #require(second.undoCheck)
        #expect(!(try LocalShell.run(undoCheck).succeeded))
        #expect(try LocalShell.run(try #require(second.undo)).succeeded)
        #expect(try read(target) == "from the package\n")
        #expect(try LocalShell.run(undoCheck).succeeded)

        // A file that did not exist before fleet is deleted by undo, not "restored".
        let fresh = dir.appendingPathComponent("fresh.conf")
        let created = Step.configFile(id: "n", path: fresh.path, content: .literal("x\n"), keepOriginal: true)
        #expect(try LocalShell.run(created.apply).succeeded)
        #expect(try LocalShell.run(created.apply).succeeded)
        #expect(try LocalShell.run(try #require(created.undo)).succeeded)
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
        #expect(try LocalShell.run(try #require(created.undoCheck)).succeeded)
    }

    @Test("generated content is rendered on the host, and a renderer failure is evidence")
    func generated() throws {
        let target = dir.appendingPathComponent("gen.conf")
        let step = Step.configFile(id: "g", path: target.path, content: .generated(#"printf 'v=%s\n' "$(echo 42)""#))
        #expect(try LocalShell.run(step.apply).succeeded)
        #expect(try read(target) == "v=42\n")
        #expect(try LocalShell.run(step.check).succeeded)
        let broken = Step.configFile(id: "g", path: target.path, content: .generated("echo no resolvers >&2; exit 1"))
        let result = try LocalShell.run(broken.check)
        #expect(!result.succeeded)
        #expect(result.output.contains("cannot render"))
        #expect(!(try LocalShell.run(broken.apply).succeeded))
        #expect(try read(target) == "v=42\n")
    }

    @Test("modes are normalised to what stat prints")
    func modes() {
        #expect(FileScript.normalizedMode("0644") == "644")
        #expect(FileScript.normalizedMode("4755") == "4755")
        #expect(FileScript.normalizedMode("0000") == "0")
        #expect(FileScript.normalizedMode("u+x") == "u+x")
    }
}
