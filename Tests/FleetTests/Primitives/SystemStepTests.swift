import Foundation
import Testing
import FleetTestSupport
@testable import Fleet

/// The primitives that touch the kernel, dpkg or systemd, executed against temporary
/// directories and fake `modprobe`, `dpkg-query`, `apt-get` and `systemctl` on `PATH`.
@Suite("kernel module, sysctl, apt and systemd primitives, executed", .serialized, .timeLimit(.minutes(1)))
struct SystemStepTests {
    let dir: URL
    let bin: URL
    init() throws {
        dir = try LocalShell.hostileTemporaryDirectory()
        bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    }

    private var env: [String: String] { ["PATH": bin.path, "FAKE": dir.path, "FLEET_TEST_ROOT": dir.path] }
    private func run(_ script: String?) throws -> LocalShell.Result {
        try LocalShell.run(try #require(script), environment: env)
    }
    private func read(_ name: String) -> String {
        (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    @Test("kernelModule loads the module once and persists it as a whole file")
    func kernelModule() throws {
        let sys = dir.appendingPathComponent("sys")
        try FileManager.default.createDirectory(at: sys, withIntermediateDirectories: true)
        try LocalShell.writeExecutable(#"""
            #!/bin/sh
            echo "$*" >>"$FAKE/modprobe.log"
            mkdir -p "$FAKE/sys/$2"
            """#, at: bin.appendingPathComponent("modprobe"))
        let step = Step.kernelModule("8021q", id: nil, confDirectory: dir.appendingPathComponent("modules-load.d").path,
                                     sysModuleDirectory: sys.path, builtinList: "/nonexistent")
        #expect(step.id == "8021q-module")
        let before = try run(step.check)
        #expect(!before.succeeded)
        #expect(before.stdout.contains("kernel module 8021q: not loaded"))
        #expect(try run(step.apply).succeeded)
        #expect(try run(step.check).succeeded)
        #expect(try run(step.apply).succeeded)
        #expect(read("modprobe.log") == "-- 8021q\n")
        #expect(read("modules-load.d/8021q.conf") == "8021q\n")
        #expect(try run(step.undo).succeeded)
        #expect(try run(step.undoCheck).succeeded)
        #expect(FileManager.default.fileExists(atPath: sys.appendingPathComponent("8021q").path))
    }

    @Test("sysctl persists a drop-in, sets the live value, and undo restores the value before fleet")
    func sysctl() throws {
        let proc = dir.appendingPathComponent("proc")
        try FileManager.default.createDirectory(at: proc.appendingPathComponent("net/ipv4/conf/bond0.1000"),
                                                withIntermediateDirectories: true)
        try "0\n".write(to: proc.appendingPathComponent("net/ipv4/ip_forward"), atomically: true, encoding: .utf8)
        try "0\n".write(to: proc.appendingPathComponent("net/ipv4/conf/bond0.1000/forwarding"), atomically: true,
                        encoding: .utf8)
        let step = Step.sysctl(id: "ip-forwarding", file: "90-fleet.conf",
                               settings: [("net.ipv4.ip_forward", "1"), ("net.ipv4.conf.bond0/1000.forwarding", "1")],
                               title: nil, directory: dir.appendingPathComponent("sysctl.d").path, procRoot: proc.path)
        let before = try run(step.check)
        #expect(!before.succeeded)
        #expect(before.stdout.contains("net.ipv4.ip_forward = 0 (want 1)"))
        let applied = try run(step.apply)
        #expect(applied.succeeded, "\(applied)")
        #expect(read("proc/net/ipv4/ip_forward") == "1\n")
        #expect(read("proc/net/ipv4/conf/bond0.1000/forwarding") == "1\n")
        #expect(read("sysctl.d/90-fleet.conf").hasSuffix(
            "net.ipv4.ip_forward = 1\nnet.ipv4.conf.bond0/1000.forwarding = 1\n"))
        #expect(try run(step.check).succeeded)
        #expect(try run(step.apply).succeeded)
        #expect(read("sysctl.d/90-fleet.conf.fleet-orig").contains("net.ipv4.ip_forward = 0\n"))

        // Someone resets the live value: check notices although the file is right.
        try "0\n".write(to: proc.appendingPathComponent("net/ipv4/ip_forward"), atomically: true, encoding: .utf8)
        #expect(!(try run(step.check).succeeded))
        #expect(try run(step.apply).succeeded)

        #expect(!(try run(step.undoCheck).succeeded))
        #expect(try run(step.undo).succeeded)
        #expect(read("proc/net/ipv4/ip_forward") == "0\n")
        #expect(read("proc/net/ipv4/conf/bond0.1000/forwarding") == "0\n")
        #expect(try run(step.undoCheck).succeeded)
    }

    private func fakeApt(candidates: String, afterUpdate: String) throws {
        try candidates.write(to: dir.appendingPathComponent("candidates"), atomically: true, encoding: .utf8)
        try afterUpdate.write(to: dir.appendingPathComponent("candidates-after-update"), atomically: true,
                              encoding: .utf8)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("installed").path, contents: Data())
        try LocalShell.writeExecutable(#"""
            #!/bin/sh
            # fake dpkg-query -W -f=... PKG; without PKG, every package's line from $FAKE/status-all
            for last; do :; done
            case "$last" in -*) cat "$FAKE/status-all" 2>/dev/null; exit 0;; esac
            grep -qx "$last" "$FAKE/installed" || { echo "dpkg-query: no packages found matching $last" >&2; exit 1; }
            printf 'install ok installed\n'
            """#, at: bin.appendingPathComponent("dpkg-query"))
        // fake dpkg: --audit prints $FAKE/audit; --configure -a finishes it.
        try LocalShell.writeExecutable(#"""
            #!/bin/sh
            case "$*" in
              --audit) cat "$FAKE/audit" 2>/dev/null; exit 0;;
              *"--configure -a") echo "dpkg $*" >>"$FAKE/apt.log"; rm -f "$FAKE/audit"; exit 0;;
            esac
            exit 2
            """#, at: bin.appendingPathComponent("dpkg"))
        try LocalShell.writeExecutable(#"""
            #!/bin/sh
            echo "apt-get $*" >>"$FAKE/apt.log"
            for a; do case "$a" in
              update) cp "$FAKE/candidates-after-update" "$FAKE/candidates"; exit 0;;
            esac; done
            seen=0
            for a; do
              if [ "$seen" = 1 ] && [ "${a#-}" = "$a" ]; then
                grep -qx "$a" "$FAKE/candidates" || { echo "E: Unable to locate package $a"; exit 100; }
              fi
              [ "$a" = install ] && seen=1
            done
            seen=0
            for a; do
              [ "$seen" = 1 ] && [ "${a#-}" = "$a" ] && echo "$a" >>"$FAKE/installed"
              [ "$a" = install ] && seen=1
            done
            # A reinstall mends what was cut short.
            case " $* " in *" --reinstall "*) rm -f "$FAKE/status-all" "$FAKE/audit";; esac
            exit 0
            """#, at: bin.appendingPathComponent("apt-get"))
    }

    @Test("aptPackages installs what is missing and updates the lists only when a candidate is missing")
    func apt() throws {
        try fakeApt(candidates: "curl\n", afterUpdate: "curl\ntailscale\n")
        let lists = dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: lists.appendingPathComponent("deb_dists_main_binary-amd64_Packages").path,
                                       contents: Data())
        let step = Step.aptPackages(id: "p", packages: ["curl", "tailscale"], listsDirectory: lists.path)
        let before = try run(step.check)
        #expect(!before.succeeded)
        #expect(before.stdout.contains("package curl: not installed"))
        let applied = try run(step.apply)
        #expect(applied.succeeded, "\(applied)")
        let log = read("apt.log").split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
        #expect(log == ["tailscale", "update", "tailscale"])
        #expect(read("apt.log").contains("DPkg::Lock::Timeout=120"))
        #expect(read("apt.log").contains("--no-install-recommends"))
        #expect(try run(step.check).succeeded)
    }

    @Test("aptPackages: a transaction an earlier run cut short is drift, and the apply finishes it first")
    func aptInterrupted() throws {
        try fakeApt(candidates: "containerd\n", afterUpdate: "containerd\n")
        try "containerd\n".write(to: dir.appendingPathComponent("installed"), atomically: true, encoding: .utf8)
        try """
            The following packages have been unpacked but not yet configured.
            They must be configured using dpkg --configure or the configure
            option in dselect or aptitude before they will work:
             runc                 Open Container Project - runtime
            """.write(to: dir.appendingPathComponent("audit"), atomically: true, encoding: .utf8)
        let lists = dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: lists.appendingPathComponent("x_Packages").path, contents: Data())
        let step = Step.aptPackages(id: "p", packages: ["containerd"], listsDirectory: lists.path)
        let before = try run(step.check)
        #expect(!before.succeeded, "the package is installed, but dpkg is not done: \(before)")
        #expect(before.stdout.contains("dpkg was interrupted and has unfinished work (dpkg --audit):"))
        #expect(before.stdout.contains(" runc "))
        let applied = try run(step.apply)
        #expect(applied.succeeded, "\(applied)")
        #expect(applied.stdout.contains("fleet: dpkg was interrupted earlier; finishing it"))
        let calls = read("apt.log").split(separator: "\n")
        #expect(calls.first?.hasSuffix("--configure -a") == true, "\(calls)")
        #expect(calls.dropFirst().first?.hasSuffix("-f install --no-remove") == true, "\(calls)")
        #expect(try run(step.check).succeeded)
    }

    @Test("aptPackages: a package cut short while unpacking (reinstreq half-installed) is reinstalled")
    func aptHalfInstalled() throws {
        try fakeApt(candidates: "containerd\ncurl\n", afterUpdate: "containerd\ncurl\n")
        try "curl\n".write(to: dir.appendingPathComponent("installed"), atomically: true, encoding: .utf8)
        try "curl install ok installed\ncontainerd install reinstreq half-installed\n"
            .write(to: dir.appendingPathComponent("status-all"), atomically: true, encoding: .utf8)
        try """
            The following packages are in a mess due to serious problems during
            installation.  They must be reinstalled for them (and any packages
            that depend on them) to function properly:
             containerd           open and reliable container runtime
            """.write(to: dir.appendingPathComponent("audit"), atomically: true, encoding: .utf8)
        let lists = dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: lists.appendingPathComponent("x_Packages").path, contents: Data())
        let step = Step.aptPackages(id: "p", packages: ["containerd", "curl"], listsDirectory: lists.path)
        #expect(!(try run(step.check).succeeded))
        let applied = try run(step.apply)
        #expect(applied.succeeded, "\(applied)")
        #expect(applied.stdout.contains("fleet: reinstalling what was cut short while unpacking: containerd"))
        let calls = read("apt.log").split(separator: "\n").map(String.init)
        #expect(calls.contains { $0.contains("install --reinstall --no-install-recommends --no-remove containerd") }, "\(calls)")
        #expect(!calls.contains { $0.contains("--reinstall") && $0.contains("curl") }, "only the broken one: \(calls)")
        #expect(try run(step.check).succeeded)
    }

    @Test("aptPackages refreshes lists older than an hour before installing")
    func aptStaleLists() throws {
        try fakeApt(candidates: "", afterUpdate: "lvm2\n")
        let step = Step.aptPackages(id: "p", packages: ["lvm2"], listsDirectory: dir.appendingPathComponent("none").path)
        #expect(try run(step.apply).succeeded)
        #expect(read("apt.log").hasPrefix("apt-get -q -y -o DPkg::Lock::Timeout=120"))
        #expect(read("apt.log").split(separator: "\n").first?.hasSuffix(" update") == true)
        #expect(try run(step.check).succeeded)
    }

    @Test("aptPackages: when apt gives up on the dpkg lock, the evidence names the holder's command line")
    func aptLockHolder() throws {
        // The "holder" is a copy of sleep whose path names it; it ends by itself after 3 s.
        try LocalShell.writeExecutable(#"""
            #!/bin/sh
            cp "$(command -v sleep)" "$FAKE/fleet-test-lock-holder"
            "$FAKE/fleet-test-lock-holder" 3 >/dev/null 2>&1 &
            for i in 1 2 3; do echo "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process $! (dpkg)..."; done
            echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process $! (dpkg)" >&2
            exit 100
            """#, at: bin.appendingPathComponent("apt-get"))
        let lists = dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: lists.appendingPathComponent("x_Packages").path, contents: Data())
        let result = try run(Step.aptPackages(id: "p", packages: ["lvm2"], listsDirectory: lists.path).apply)
        #expect(!result.succeeded)
        #expect(result.stdout.contains("Could not get lock"), "\(result)")
        let line = result.stdout.split(separator: "\n").first { $0.contains("lock holder:") }.map(String.init) ?? ""
        #expect(line.contains("fleet-test-lock-holder 3"), "\(result)")
        #expect(!result.stdout.contains("Waiting for cache lock"), "apt's progress lines are summarised")
        #expect(result.stdout.contains("apt waited for the dpkg lock (3 progress lines left out)"), "\(result)")
    }

    private func fakeSystemctl() throws {
        try LocalShell.writeExecutable(FakeSystemctl.script, at: bin.appendingPathComponent("systemctl"))
    }

    @Test("systemdUnit enables and starts, restarts a running unit, and undo disables it")
    func systemd() throws {
        try fakeSystemctl()
        let step = Step.systemdUnit("flintlockd.service", notifiedBy: ["flintlockd-config"])
        #expect(step.id == "flintlockd")
        #expect(step.notifiedBy == ["flintlockd-config"])
        let before = try run(step.check)
        #expect(!before.succeeded)
        #expect(before.stdout.contains("is-enabled disabled, is-active inactive (want enabled, active)"))
        #expect(before.stdout.contains("fake status"))
        #expect(try run(step.apply).succeeded)
        #expect(try run(step.check).succeeded)
        #expect(read("systemctl.log").contains("systemctl start -- flintlockd.service"))
        #expect(!read("systemctl.log").contains("restart"))
        // Applied again (as a notified step is): now it restarts.
        #expect(try run(step.apply).succeeded)
        #expect(read("systemctl.log").contains("systemctl restart -- flintlockd.service"))
        #expect(!(try run(step.undoCheck).succeeded))
        #expect(try run(step.undo).succeeded)
        #expect(try run(step.undoCheck).succeeded)
    }

    @Test("teardown leaves a unit that ran before fleet, from a package fleet did not install; stops one fleet brought")
    func systemdPreexisting() throws {
        try fakeSystemctl()
        // fake dpkg -S: every unit file belongs to the package "containerd".
        try LocalShell.writeExecutable("#!/bin/sh\n[ \"$1\" = -S ] && echo \"containerd: $3\"\n", at: bin.appendingPathComponent("dpkg"))
        for name in ["enabled", "active"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("\(name)/containerd").path, contents: Data())
        }
        let step = Step.systemdUnit("containerd")
        #expect(try run(step.apply).succeeded)
        #expect(read("var/lib/fleet/units/containerd") == "enabled active\n")
        #expect(try run(step.undoCheck).succeeded, "nothing of fleet's to undo")
        #expect(try run(step.undo).stdout.contains("containerd was enabled and running before fleet: left as it was"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("active/containerd").path))

        // The same unit, but fleet installed its package (the postinst started it): fleet's doing.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("var/lib/fleet/installed"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("var/lib/fleet/installed/containerd").path, contents: Data())
        #expect(!(try run(step.undoCheck).succeeded))
        #expect(try run(step.undo).succeeded)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("active/containerd").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("var/lib/fleet/units").path))
        #expect(try run(step.undoCheck).succeeded)
    }

    @Test("a configuration's undo restarts its service when it is still running, and not when it was stopped")
    func restartingOnUndo() throws {
        try fakeSystemctl()
        let step = Step.command(id: "containerd-config", title: "c", check: "true", apply: "true",
                                undo: "echo restored", undoCheck: "false").restartingOnUndo("containerd")
        let stopped = try run(step.undo)
        #expect(stopped.succeeded && stopped.stdout.contains("restored"), "\(stopped)")
        #expect(!read("systemctl.log").contains("try-restart"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("active"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("active/containerd").path, contents: Data())
        let running = try run(step.undo)
        #expect(running.stdout.contains("restarting it on its restored configuration"), "\(running)")
        #expect(read("systemctl.log").contains("systemctl try-restart -- containerd"))
        // An undo that fails stops there: nothing is restarted on a half-restored configuration.
        let failing = Step.command(id: "x", title: "x", check: "true", apply: "true", undo: "exit 7", undoCheck: "false")
            .restartingOnUndo("other")
        #expect(try run(failing.undo).status == 7)
        #expect(!read("systemctl.log").contains("try-restart -- other"))
    }

    @Test("aptPackages records the packages it installs, not those that were there")
    func aptRecordsWhatItInstalls() throws {
        try fakeApt(candidates: "curl\ncontainerd\n", afterUpdate: "curl\ncontainerd\n")
        try "curl\n".write(to: dir.appendingPathComponent("installed"), atomically: true, encoding: .utf8)
        let lists = dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: lists.appendingPathComponent("x_Packages").path, contents: Data())
        #expect(try run(Step.aptPackages(id: "p", packages: ["curl", "containerd"], listsDirectory: lists.path).apply).succeeded)
        let mine = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("var/lib/fleet/installed").path)
        #expect(mine == ["containerd"])
    }

    @Test("a unit can be wanted stopped and disabled")
    func systemdStopped() throws {
        try fakeSystemctl()
        let step = Step.systemdUnit("legacy", enabled: false, active: false)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("active"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("active/legacy").path, contents: Data())
        #expect(!(try run(step.check).succeeded))
        #expect(try run(step.apply).succeeded)
        #expect(try run(step.check).succeeded)
    }
}
