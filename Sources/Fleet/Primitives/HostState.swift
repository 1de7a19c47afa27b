/// fleet's own records on a host, under `/var/lib/fleet`: what it installed, what it found
/// running before it came, which address it put on a link. Teardown reads them to undo only what
/// fleet did.
public enum HostState {
    /// The directory on the host.
    public static let directory = "/var/lib/fleet"

    /// Shell that sets `$variable` to `directory/subpath`. The unit tests' fake hosts keep their
    /// files under `FLEET_TEST_ROOT`, which is unset on a real host.
    public static func assign(_ variable: String, _ subpath: String) -> String {
        Snippet.assign(variable, "\(directory)/\(subpath)") + "\n" + "\(variable)=${FLEET_TEST_ROOT-}$\(variable)"
    }
}
