import Foundation

extension SSHOptions {
    /// `devices` with the user and port ssh will really use, where the inventory leaves them to
    /// the ssh config (`User`, `Port` under a `Host` entry): fleet decides with them whether to
    /// go through `sudo -n` and which SSH port the hub's firewall must keep open. Asked of
    /// `ssh -G`, which reads the config and connects nowhere; a device it cannot answer for
    /// keeps its inventory settings.
    public func effective(_ devices: [Device]) async -> [Device] {
        await withTaskGroup(of: (Int, Device).self) { group in
            for (index, device) in devices.enumerated() {
                group.addTask { (index, await effective(device)) }
            }
            var resolved = devices
            for await (index, device) in group { resolved[index] = device }
            return resolved
        }
    }

    func effective(_ device: Device) async -> Device {
        guard device.ssh.user == nil || device.ssh.port == nil else { return device }
        var args: [String] = []
        if let configFile { args += ["-F", configFile] }
        if let user = device.ssh.user { args += ["-l", user] }
        if let port = device.ssh.port { args += ["-p", String(port)] }
        args += ["-G", "--", device.address]
        guard let output = try? await LocalProcess.run(executable, args, timeout: .seconds(10)),
            !output.timedOut, output.status == 0
        else { return device }
        let settings = Self.parseConfigDump(String(decoding: output.stdout, as: UTF8.self))
        var resolved = device
        if resolved.ssh.user == nil { resolved.ssh.user = settings.user }
        if resolved.ssh.port == nil { resolved.ssh.port = settings.port }
        return resolved
    }

    /// `user` and `port` from `ssh -G` output (one lowercase `key value` per line).
    static func parseConfigDump(_ text: String) -> (user: String?, port: Int?) {
        var user: String?, port: Int?
        // A user that could not be an inventory's is not taken either (it reaches `sudo` decisions).
        let userPattern = try? Regex(InventoryPattern.sshUser)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "user", let userPattern, (try? userPattern.wholeMatch(in: parts[1])) != nil { user = parts[1] }
            if parts[0] == "port", let value = Int(parts[1]), (1...65535).contains(value) { port = value }
        }
        return (user, port)
    }
}
