import Foundation

/// Where fleet keeps run logs.
public enum StateDirectory {
    /// `$FLEET_STATE_DIR`, else `$XDG_STATE_HOME/fleet`, else `~/.local/state/fleet`.
    public static func `default`(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["FLEET_STATE_DIR"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/fleet" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/fleet"
    }

    /// A sortable UTC timestamp for file names (`20261121T153000Z-4821`, pid for uniqueness).
    public static func stamp(date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date) + "-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
