import Foundation

/// The private directory that holds a run's ssh control sockets.
///
/// Every way fleet ends removes it: a normal exit and the first Ctrl-C or SIGTERM/SIGHUP (the run
/// winds down and ``removeAll()`` runs before `exit`), a second signal (the signal handler calls
/// ``removeAll()`` before it exits). A run killed outright (SIGKILL, OOM) cannot, so each
/// directory holds an `owner` file with the PID and start time of the fleet that made it, and
/// the next fleet's transport sweeps the directories whose owner is gone.
public final class ControlDirectory: Sendable {
    /// The directory's path; short, so socket paths stay under macOS's 104-byte limit.
    public let path: String
    private static let live = Locked<Set<String>>([])
    static let prefix = "fleet-ssh-"

    /// Makes a fresh directory under `parent` (mode 0700, from `mkdtemp`) after sweeping stale ones.
    /// - Throws: ``FleetError`` `.local` when it cannot be made.
    public init(parent: String = "/tmp") throws {
        Self.sweep(parent: parent)
        var template = Array("\(parent)/\(Self.prefix)XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw FleetError(.local, "cannot create a private directory for ssh control sockets in \(parent)")
        }
        path = String(cString: made)
        let owner = "\(getpid()) \(Self.startTime(of: getpid()) ?? "-")\n"
        _ = FileManager.default.createFile(atPath: "\(path)/owner", contents: Data(owner.utf8),
                                       attributes: [.posixPermissions: 0o600])
        Self.live.mutate { _ = $0.insert(path) }
    }

    deinit { remove() }

    /// Removes the directory and what is left in it. Safe to call more than once.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
        Self.live.mutate { _ = $0.remove(path) }
    }

    /// Removes every directory this process made and still holds: called on the way to `exit`,
    /// where no `deinit` runs (the end of `main`, a second Ctrl-C).
    public static func removeAll() {
        for path in live.mutate({ paths -> Set<String> in
            defer { paths.removeAll() }
            return paths
        }) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Removes directories under `parent` left by fleet processes that no longer exist (same user
    /// only): ours by their `owner` file, and empty ones of the older `fleet-XXXXXX` form.
    static func sweep(parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names {
            let path = "\(parent)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else { continue }
            if name.hasPrefix(prefix), name.count == prefix.count + 6 {
                if isAbandoned(ownerFile: "\(path)/owner", modified: info) { try? FileManager.default.removeItem(atPath: path) }
            } else if isLegacy(name), (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true,
                Date().timeIntervalSince1970 - Double(modificationSeconds(info)) > 600
            {
                rmdir(path)
            }
        }
    }

    /// `fleet-` and six letters or digits: what `mkdtemp` made for earlier versions.
    static func isLegacy(_ name: String) -> Bool {
        name.hasPrefix("fleet-") && name.count == 12
            && name.dropFirst(6).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    private static func isAbandoned(ownerFile: String, modified info: stat) -> Bool {
        guard let text = try? String(contentsOfFile: ownerFile, encoding: .utf8) else {
            // Between mkdtemp and the owner file, or unreadable: only old ones count as abandoned.
            return Date().timeIntervalSince1970 - Double(modificationSeconds(info)) > 600
        }
        let fields = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let first = fields.first, let pid = Int32(first) else { return true }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        // A live PID that started at another time is a reused PID, not the owner.
        if fields.count > 1, fields[1] != "-", let now = startTime(of: pid), now != fields[1] { return true }
        return false
    }

    private static func modificationSeconds(_ info: stat) -> Int {
        #if canImport(Darwin)
        return Int(info.st_mtimespec.tv_sec)
        #else
        return Int(info.st_mtim.tv_sec)
        #endif
    }

    /// The process's start time in clock ticks since boot (`/proc/PID/stat` field 22), or nil
    /// where there is no /proc.
    static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, start time 22.
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        return rest.count > 19 ? String(rest[19]) : nil
    }
}
