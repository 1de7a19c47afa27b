import Fleet
import FleetTestSupport
import Foundation
import Testing
@testable import Playbooks

/// The download-verify-install logic for real: curl fetches a `file://` artifact made here,
/// sha256sum checks it, tar extracts it, and the binary lands in a temporary directory.
@Suite("release binaries, executed", .serialized, .timeLimit(.minutes(1)))
struct ReleaseBinaryTests {
    let dir: URL
    init() throws { dir = try LocalShell.hostileTemporaryDirectory() }

    private func sh(_ script: String) throws -> LocalShell.Result { try LocalShell.run(script) }
    private func sha256(_ path: String) throws -> String {
        String(try sh("sha256sum -- \(ShellQuote.quote(path))").stdout.prefix(64))
    }

    /// A firecracker release laid out as upstream's: `<base>/firecracker-microvm/firecracker/
    /// releases/download/<tag>/firecracker-<tag>-x86_64.tgz` holding `release-<tag>-x86_64/…`.
    private func makeRelease(tag: String, version: String) throws -> (base: String, sha: String) {
        let base = dir.appendingPathComponent("mirror")
        let release = base.appendingPathComponent("firecracker-microvm/firecracker/releases/download/\(tag)")
        let staging = dir.appendingPathComponent("staging/release-\(tag)-x86_64")
        try FileManager.default.createDirectory(at: release, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try LocalShell.writeExecutable("#!/bin/sh\necho \"Firecracker \(version)\"\n",
                                       at: staging.appendingPathComponent("firecracker-\(tag)-x86_64"))
        let tgz = release.appendingPathComponent("firecracker-\(tag)-x86_64.tgz").path
        let tar = try sh("tar -czf \(ShellQuote.quote(tgz)) -C \(ShellQuote.quote(dir.appendingPathComponent("staging").path)) .")
        #expect(tar.succeeded, "\(tar)")
        let encoded = try #require(base.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed))
        return ("file://" + encoded, try sha256(tgz))
    }

    private func binary(tag: String, base: String, sha: String) -> ReleaseBinary {
        var settings = DemoInventory.flintlock
        settings.firecrackerVersion = ReleaseTag(tag)!
        settings.artifactBaseURL = base
        settings.firecrackerSHA256 = SHA256Digest(sha)!
        var binary = ReleaseBinary.firecracker(settings)
        binary.binDirectory = dir.appendingPathComponent("bin").path
        binary.stateDirectory = dir.appendingPathComponent("state").path
        return binary
    }

    @Test("a verified artifact is installed with a stamp; re-check passes; undo removes it")
    func install() throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let (base, sha) = try makeRelease(tag: "v1.15.1", version: "v1.15.1")
        let step = binary(tag: "v1.15.1", base: base, sha: sha).step
        #expect(try sh(step.check).stdout.contains("firecracker: missing"))
        let apply = try sh(step.apply)
        #expect(apply.succeeded, "\(apply)")
        #expect(apply.stdout.contains("Firecracker v1.15.1"))
        #expect(try sh(step.check).succeeded)

        // A binary replaced by hand no longer matches the stamp.
        let installed = dir.appendingPathComponent("bin/firecracker")
        try LocalShell.writeExecutable("#!/bin/sh\necho tampered\n", at: installed)
        #expect(try sh(step.check).stdout.contains("is not the"))
        #expect(try sh(step.apply).succeeded)
        #expect(try sh(step.check).succeeded)

        // A new pin is drift until applied.
        let (_, newSHA) = try makeRelease(tag: "v1.16.0", version: "v1.16.0")
        let upgrade = binary(tag: "v1.16.0", base: base, sha: newSHA).step
        #expect(try sh(upgrade.check).stdout.contains("want 'v1.16.0"))
        #expect(try sh(upgrade.apply).succeeded)
        #expect(try sh(ShellQuote.quote(installed.path)).stdout == "Firecracker v1.16.0\n")

        let undoCheck = try #require(upgrade.undoCheck)
        #expect(!(try sh(undoCheck).succeeded))
        #expect(try sh(try #require(upgrade.undo)).succeeded)
        #expect(try sh(undoCheck).succeeded)
        #expect(!FileManager.default.fileExists(atPath: installed.path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state").path))
    }

    @Test("an artifact whose sha256 does not match installs nothing")
    func mismatch() throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let (base, _) = try makeRelease(tag: "v1.15.1", version: "v1.15.1")
        let step = binary(tag: "v1.15.1", base: base, sha: String(repeating: "0", count: 64)).step
        let result = try sh(step.apply)
        #expect(!result.succeeded)
        #expect(result.stderr.contains("sha256 mismatch"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("bin").path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state").path))
    }

    @Test("a binary fleet did not install is neither claimed nor removed")
    func foreignBinary() throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let foreign = dir.appendingPathComponent("bin/firecracker")
        try LocalShell.writeExecutable("#!/bin/sh\necho mine\n", at: foreign)
        let step = binary(tag: "v1.15.1", base: "file:///nonexistent", sha: String(repeating: "0", count: 64)).step
        #expect(try sh(step.check).stdout.contains("present but not installed by fleet"))
        #expect(try sh(try #require(step.undoCheck)).succeeded)
        #expect(try sh(try #require(step.undo)).succeeded)
        #expect(FileManager.default.fileExists(atPath: foreign.path))
    }

    @Test("a binary that was there before fleet's install is kept and put back by undo")
    func replacedBinary() throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let theirs = dir.appendingPathComponent("bin/firecracker")
        try LocalShell.writeExecutable("#!/bin/sh\necho theirs\n", at: theirs)
        let (base, sha) = try makeRelease(tag: "v1.15.1", version: "v1.15.1")
        let step = binary(tag: "v1.15.1", base: base, sha: sha).step
        let apply = try sh(step.apply)
        #expect(apply.succeeded && apply.stdout.contains("was there before fleet"), "\(apply)")
        #expect(try sh(ShellQuote.quote(theirs.path)).stdout == "Firecracker v1.15.1\n")
        // A second install (a new pin) keeps the first original, not fleet's own binary.
        let (_, newSHA) = try makeRelease(tag: "v1.16.0", version: "v1.16.0")
        let upgrade = binary(tag: "v1.16.0", base: base, sha: newSHA).step
        #expect(try sh(upgrade.apply).succeeded)
        #expect(!(try sh(try #require(upgrade.undoCheck)).succeeded))
        #expect(try sh(try #require(upgrade.undo)).succeeded)
        #expect(try sh(ShellQuote.quote(theirs.path)).stdout == "theirs\n")
        #expect(try sh(try #require(upgrade.undoCheck)).succeeded)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state").path))
    }
}
