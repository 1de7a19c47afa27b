/// How fleet drives the system `ssh`. Everything the user's `~/.ssh/config` can say still
/// applies; these are only the settings fleet must pin for unattended parallel runs.
public struct SSHOptions: Sendable, Equatable {
    /// Host-key policy.
    public enum HostKeyPolicy: String, Sendable, Equatable {
        /// Accept and remember unknown keys, refuse changed ones (OpenSSH `accept-new`).
        case acceptNew = "accept-new"
        /// Refuse unknown keys too (`yes`).
        case strict = "yes"
    }

    /// The `ssh` executable.
    public var executable: String
    /// `-F` config file; nil uses the user's default.
    public var configFile: String?
    /// Host-key policy; never "no".
    public var hostKeys: HostKeyPolicy
    /// `ConnectTimeout`, seconds.
    public var connectTimeout: Int
    /// `ServerAliveInterval`, seconds; with `ServerAliveCountMax` 4 a dead link is noticed in 4×
    /// (a minute by default: shorter cut off busy, slow machines that were merely late).
    public var serverAliveInterval: Int
    /// `--persist`: keep each host's connection for later runs until it has been idle this many
    /// seconds (``KeptConnections``); nil (the default) closes it with the run.
    public var persist: Int?

    /// Creates options.
    public init(executable: String = "/usr/bin/ssh", configFile: String? = nil, hostKeys: HostKeyPolicy = .acceptNew,
                connectTimeout: Int = 10, serverAliveInterval: Int = 15, persist: Int? = nil) {
        self.persist = persist
        self.executable = executable
        self.configFile = configFile
        self.hostKeys = hostKeys
        self.connectTimeout = connectTimeout
        self.serverAliveInterval = serverAliveInterval
    }

    /// Options common to the master and every exec. Each value is one argv element: nothing here
    /// passes through a local shell.
    func common(for device: Device, controlPath: String) -> [String] {
        var args: [String] = []
        if let configFile { args += ["-F", configFile] }
        args += [
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=\(connectTimeout)",
            "-o", "ServerAliveInterval=\(serverAliveInterval)",
            "-o", "ServerAliveCountMax=4",
            "-o", "StrictHostKeyChecking=\(hostKeys.rawValue)",
            "-o", "ControlPath=\(controlPath)",
        ]
        if let user = device.ssh.user { args += ["-l", user] }
        if let port = device.ssh.port { args += ["-p", String(port)] }
        if let identity = device.ssh.identityFile {
            args += ["-i", Self.expandTilde(identity), "-o", "IdentitiesOnly=yes"]
        }
        return args
    }

    /// argv of the master connection. It stays in the foreground as fleet's child (not `-f`: a
    /// daemonised master escapes teardown), and its own session is the root shell that runs
    /// every batch (``SSHSession``), reading a pipe that only fleet holds: however fleet ends,
    /// even by SIGKILL, the pipe closes, the session ends and the master exits instead of
    /// lingering as an orphan (`-N` could not notice).
    public func masterArguments(for device: Device, controlPath: String) -> [String] {
        [executable] + common(for: device, controlPath: controlPath)
            + ["-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-T", "--", device.address, rootShell(for: device)]
    }

    /// argv of a kept master (``KeptConnections``): backgrounded by ssh once authenticated (`-f`),
    /// no session of its own (`-N`), gone after `persist` idle seconds.
    func keptMasterArguments(for device: Device, controlPath: String) -> [String] {
        [executable] + common(for: device, controlPath: controlPath)
            + ["-o", "ControlMaster=yes", "-o", "ControlPersist=\(persist ?? 1)s", "-f", "-N", "-T", "--", device.address]
    }

    /// argv of one exec over a kept master. The remote command is fixed text; the program comes on stdin.
    func execArguments(for device: Device, controlPath: String) -> [String] {
        [executable] + common(for: device, controlPath: controlPath)
            + ["-o", "ControlMaster=no", "-T", "--", device.address, rootShell(for: device)]
    }

    /// argv of `ssh -O command` (check, exit) for a device's master.
    func controlArguments(_ command: String, for device: Device, controlPath: String) -> [String] {
        [executable] + common(for: device, controlPath: controlPath) + ["-O", command, "--", device.address]
    }

    /// The fixed remote command: a root `sh` reading its program from stdin.
    func rootShell(for device: Device) -> String {
        (device.ssh.user ?? "root") == "root" ? "/bin/sh -s" : "sudo -n /bin/sh -s"
    }

    static func expandTilde(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        return home + path.dropFirst(1)
    }
}

import Foundation
