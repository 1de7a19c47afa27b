import FleetTestSupport
import Foundation
import Testing
@testable import Fleet

/// A restart owed by a run that ended early is still done by the next run.
@Suite("pending notifications survive the run that made them")
struct PendingNotificationTests {
    @Test("a notifier's apply leaves a marker; the notified check fails on it; its apply clears it")
    func markers() throws {
        let folder = try TemporaryFolder()
        let root = folder.url.path
        let pending = root + "/run/pending"
        let steps = PendingNotification.wire([
            Step(id: "config", title: "config", check: "[ -e '\(root)/conf' ]", apply: "touch '\(root)/conf'"),
            Step(id: "service", title: "service", check: "true", apply: "echo restarted >>'\(root)/log'",
                 undo: "true", notifiedBy: ["config", "not-on-this-host"]),
            Step(id: "other", title: "other", check: "true", apply: "true"),
        ], directory: pending)
        #expect(steps[2] == Step(id: "other", title: "other", check: "true", apply: "true"))

        // The run that changed the config ends before the restart (Ctrl-C, a lost link, --skip).
        #expect(try LocalShell.run(steps[0].apply).succeeded)
        #expect(FileManager.default.fileExists(atPath: pending + "/service"))
        let owed = try LocalShell.run(steps[1].check)
        #expect(!owed.succeeded)
        #expect(owed.stdout.contains("a change an earlier run made (config) still waits for this step: it runs again"))

        // The next run: the config is in place, the check of the service says why it must run.
        #expect(try LocalShell.run(steps[0].check).succeeded)
        #expect(try LocalShell.run(steps[1].apply).succeeded)
        #expect(try String(contentsOfFile: root + "/log", encoding: .utf8) == "restarted\n")
        #expect(!FileManager.default.fileExists(atPath: pending), "the last marker takes its directory along")
        #expect(try LocalShell.run(steps[1].check).succeeded)
    }

    @Test("a failed notified apply keeps the marker; teardown of the notified step clears it")
    func failureKeepsMarker() throws {
        let folder = try TemporaryFolder()
        let pending = folder.url.path + "/pending"
        let steps = PendingNotification.wire([
            Step(id: "config", title: "config", check: "false", apply: "true"),
            Step(id: "service", title: "service", check: "true", apply: "exit 3", undo: "true", notifiedBy: ["config"]),
        ], directory: pending)
        #expect(try LocalShell.run(steps[0].apply).succeeded)
        #expect(try LocalShell.run(steps[1].apply).status == 3)
        #expect(FileManager.default.fileExists(atPath: pending + "/service"))
        #expect(try LocalShell.run(try #require(steps[1].undo)).succeeded)
        #expect(!FileManager.default.fileExists(atPath: pending + "/service"))
    }

    @Test("plans wire every host's steps")
    func planWires() throws {
        let device = Device(name: "h", role: .host, address: "127.0.0.1")
        let inventory = Inventory(source: "t.json", devices: [device], network: nil)
        let plan = try Plan.make(inventory: inventory, playbook: { _ in [
            Step(id: "config", title: "c", check: "true", apply: "true"),
            Step(id: "service", title: "s", check: "true", apply: "true", notifiedBy: ["config"]),
        ] }, skip: ["service"])
        let config = try #require(plan.hosts.first?.steps.first)
        #expect(plan.hosts.first?.steps.count == 1)
        #expect(config.apply.contains("/run/fleet/pending/service"), "the skipped step's restart is still owed")
    }
}
