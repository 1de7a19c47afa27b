import Foundation

/// Connections kept open between runs (`--persist`): ssh's own ControlPersist masters, with
/// their control sockets in one private directory of the user's, `/tmp/fleet-kept-UID`.
///
/// A run with `--persist SECONDS` asks each host's socket first (`ssh -O check`, no network), and
/// only when no master answers starts one (`-f -N`, which ssh backgrounds once authenticated).
/// Every batch is then an exec over the master. A master exits by itself once it has had no
/// session for SECONDS, so nothing is left after that; `fleet disconnect` ends them at once.
/// Without `--persist` none of this is used and nothing outlives fleet.
public enum KeptConnections {
    /// The directory of kept control sockets.
    public static var directory: String { "/tmp/fleet-kept-\(getuid())" }

    /// The control path of one host's kept master: ssh's `%C`, a hash of the user, host and port
    /// it resolved, so the same host reached the same way finds the same master.
    static var controlPath: String { "\(directory)/%C" }

    /// Makes the directory (0700) or checks that the one there is the user's own and private:
    /// a socket in it is an authenticated root shell's door, for whoever can reach it.
    /// - Throws: ``FleetError`` `.local` when it cannot be made or is not private.
    static func prepare() throws {
        let path = directory
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw FleetError(.local, "cannot create \(path) for kept ssh connections: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid(),
            info.st_mode & 0o077 == 0
        else {
            throw FleetError(.local, "\(path) is not a private directory of yours (expected mode 0700, owned by uid"
                + " \(getuid())); remove it and run again")
        }
    }

    /// Whether a kept master for `device` answers on its socket (a local question, no network).
    static func isAlive(_ device: Device, options: SSHOptions) async -> Bool {
        let argv = options.controlArguments("check", for: device, controlPath: controlPath)
        let output = try? await LocalProcess.run(argv[0], Array(argv.dropFirst()), input: Data(), timeout: .seconds(10))
        return output?.status == 0 && output?.signalled == false
    }

    /// Starts a kept master for `device`: ssh authenticates, then backgrounds itself and stays
    /// until it has been idle for the options' ``SSHOptions/persist`` seconds.
    /// - Throws: ``FleetError`` `.unreachable` with ssh's reason, `.cancelled`.
    static func start(_ device: Device, options: SSHOptions) async throws {
        let argv = options.keptMasterArguments(for: device, controlPath: controlPath)
        let limit = Duration.seconds(options.connectTimeout * 3 + 5)
        let output = try await LocalProcess.run(argv[0], Array(argv.dropFirst()), input: Data(), timeout: limit)
        if Task.isCancelled { throw FleetError(.cancelled, "interrupted while connecting", host: device.name) }
        guard output.status != 0 || output.signalled else { return }
        let stderr = String(decoding: output.stderr, as: UTF8.self)
        throw FleetError(.unreachable, SSHTransport.explain(stderr, device: device, timedOut: output.timedOut),
                         host: device.name)
    }

    /// Ends the kept master of each device; true for those that had one.
    public static func disconnect(_ devices: [Device], options: SSHOptions) async -> [Bool] {
        await withTaskGroup(of: (Int, Bool).self) { group in
            for (index, device) in devices.enumerated() {
                group.addTask {
                    let argv = options.controlArguments("exit", for: device, controlPath: controlPath)
                    let output = try? await LocalProcess.run(argv[0], Array(argv.dropFirst()), input: Data(),
                                                             timeout: .seconds(10))
                    return (index, output?.status == 0 && output?.signalled == false)
                }
            }
            var closed = Array(repeating: false, count: devices.count)
            for await (index, result) in group { closed[index] = result }
            return closed
        }
    }
}
