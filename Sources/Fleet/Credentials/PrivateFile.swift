import Foundation

/// Files only their owner may read: the Tailscale key file, the CA's key and directory.
enum PrivateFile {
    /// The mode of `path` when its group or others have any access to it, else nil (also when
    /// it cannot be read).
    static func openMode(_ path: String) -> Int? {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
              mode & 0o077 != 0 else { return nil }
        return mode
    }
}
