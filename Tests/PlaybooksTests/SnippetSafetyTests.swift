import Fleet
import FleetTestSupport
import Foundation
import Playbooks
import Testing

@Suite("playbook snippets: syntax, quoting, secrets", .serialized, .timeLimit(.minutes(2)))
struct SnippetSafetyTests {
    /// Valid values that would run `touch PWNED` if any snippet spliced them in unquoted.
    static var hostileInventory: Inventory {
        var flintlock = DemoInventory.flintlock
        flintlock.disk = "/dev/disk/by-id/ata-SSD 'x' $(touch PWNED) `touch PWNED`"
        flintlock.artifactBaseURL = "https://mirror.example/$(touch${IFS}PWNED)"
        let tailscale = TailscaleSettings(authKey: .file("/home/me/ts key 'x'"),
                                          repository: "https://pkgs.example/$(touch${IFS}PWNED)",
                                          suite: "bookworm;touch${IFS}PWNED",
                                          hostname: "hub 'x' $(touch PWNED)", advertiseTags: ["tag:a'$(touch PWNED)"])
        return DemoInventory.inventory(tailscale: tailscale, flintlock: flintlock)
    }

    static var variants: [(Device, Inventory)] {
        var bridged = DemoInventory.flintlock
        bridged.networkMode = .bridge("br0")
        var mtu = DemoInventory.network
        mtu.mtu = 9000
        mtu.dnsServers = .auto
        return [DemoInventory.hub, DemoInventory.host0].flatMap { device in
            [DemoInventory.inventory(), DemoInventory.inventory(nat: .nftables, dhcp: .kea),
             DemoInventory.inventory(flintlock: bridged, network: mtu), hostileInventory].map { (device, $0) }
        }
    }

    static func snippets(_ step: Step) -> [(String, String)] {
        [("check", step.check), ("apply", step.apply), ("verify", step.verifyScript),
         ("undo", step.undo ?? ""), ("undoCheck", step.undoCheck ?? "")]
    }

    @Test("every snippet of every step parses with /bin/sh -n")
    func syntax() throws {
        for (device, inventory) in Self.variants {
            for key in [nil, DemoInventory.authKey] {
                for step in LiquidMetal.steps(for: device, in: inventory, authKey: key) {
                    for (phase, script) in Self.snippets(step) {
                        let result = try LocalShell.run(script, syntaxOnly: true)
                        #expect(result.succeeded, "\(device.name) \(step.id) \(phase): \(result)")
                    }
                }
            }
        }
    }

    @Test("hostile inventory values appear only as single-quoted assignments")
    func quoting() {
        let assignment = /^[A-Za-z_][A-Za-z0-9_]*='.*'$/
        for device in [DemoInventory.hub, DemoInventory.host0] {
            for step in LiquidMetal.steps(for: device, in: Self.hostileInventory, authKey: DemoInventory.authKey) {
                for (phase, script) in Self.snippets(step) {
                    for line in script.split(separator: "\n") where line.contains("PWNED") {
                        #expect(line.wholeMatch(of: assignment) != nil, "\(step.id) \(phase): \(line)")
                    }
                }
            }
        }
    }

    @Test("running every read-only snippet with hostile values executes none of them")
    func hostileChecksRun() throws {
        let cwd = FileManager.default.currentDirectoryPath
        for device in [DemoInventory.hub, DemoInventory.host0] {
            for step in LiquidMetal.steps(for: device, in: Self.hostileInventory, authKey: nil) {
                // Checks never change the host, so they are safe to run here; most simply fail.
                _ = try LocalShell.run(step.check)
                if let undoCheck = step.undoCheck { _ = try LocalShell.run(undoCheck) }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: cwd + "/PWNED"))
        #expect(!FileManager.default.fileExists(atPath: "/PWNED"))
    }

    @Test("the auth key is only in the tailscale-up apply snippet and its secrets")
    func authKey() throws {
        for (device, inventory) in Self.variants {
            for step in LiquidMetal.steps(for: device, in: inventory, authKey: DemoInventory.authKey) {
                let isUp = step.id == "tailscale-up"
                #expect(step.apply.contains(DemoInventory.authKey) == (isUp && device.role == .hub), "\(step.id)")
                for text in [step.check, step.verifyScript, step.undo ?? "", step.undoCheck ?? "", step.title] {
                    #expect(!text.contains(DemoInventory.authKey), "\(step.id)")
                }
                #expect(step.secrets == (isUp ? [DemoInventory.authKey] : []), "\(step.id)")
            }
        }
        let up = try #require(LiquidMetal.steps(for: DemoInventory.hub, in: DemoInventory.inventory(),
                                                authKey: DemoInventory.authKey).first { $0.id == "tailscale-up" })
        #expect(up.apply.contains("<<'FLEET_TAILSCALE_KEY_END'\n\(DemoInventory.authKey)\nFLEET_TAILSCALE_KEY_END\n"))
        #expect(up.apply.contains(#"--auth-key="file:$keyfile""#))
        #expect(!up.apply.contains("--auth-key=\(DemoInventory.authKey)"))
    }

    @Test("without a key the tailscale apply fails with a clear message; check and undo still work")
    func noAuthKey() throws {
        let up = try #require(LiquidMetal.steps(for: DemoInventory.hub, in: DemoInventory.inventory(), authKey: nil)
            .first { $0.id == "tailscale-up" })
        let result = try LocalShell.run(up.apply)
        #expect(!result.succeeded)
        #expect(result.stderr.contains("no Tailscale auth key provided (set TS_AUTHKEY in fleet's environment)"))
        #expect(up.check.contains("tailscale status --json"))
        #expect(up.undo?.contains("tailscale logout") == true)
    }

    @Test("a key with surrounding whitespace is trimmed; one that mimics the end marker cannot end the here-document")
    func awkwardKeys() throws {
        let marker = "tskey-FLEET_TAILSCALE_KEY_END"
        let up = try #require(LiquidMetal.steps(for: DemoInventory.hub, in: DemoInventory.inventory(), authKey: " \(marker)\n")
            .first { $0.id == "tailscale-up" })
        #expect(up.secrets == [marker])
        #expect(up.apply.contains("<<'FLEET_TAILSCALE_KEY_END_'\n\(marker)\nFLEET_TAILSCALE_KEY_END_\n"))
    }
}
