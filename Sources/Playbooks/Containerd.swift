import Fleet

/// containerd from the distribution's `containerd` package, configured for the devmapper
/// snapshotter on `flintlock-thinpool`.
///
/// - `containerd-config`: `/etc/containerd/config.toml` (version 2, as `provision.sh` writes
///   it, without its trace logging and metrics listener). The packaged file is kept and restored
///   on teardown, and a containerd that was running before fleet (and so is left running) is
///   restarted on it.
/// - `containerd`: enabled and active, restarted when the configuration or the pool changed;
///   its check also wants `ctr plugins ls` to report the devmapper snapshotter `ok` (`error`
///   means containerd could not open the pool). Teardown stops and disables it, so the pool is
///   no longer busy when the thinpool step's undo removes it.
enum Containerd {
    static let socket = "/run/containerd/containerd.sock"

    static func steps() -> [Step] {
        let service = Step.systemdUnit("containerd", notifiedBy: [StepID.containerdConfig, StepID.thinpool],
                                       title: "containerd running").checkingAlso(devmapperPlugin)
        return [Step.configFile(id: StepID.containerdConfig, path: "/etc/containerd/config.toml",
                                content: .literal(config), title: "containerd configuration", keepOriginal: true)
                    .restartingOnUndo("containerd"),
                service]
    }

    static let config = """
        # Managed by fleet: containerd with the devmapper snapshotter for flintlockd.
        version = 2

        root = "/var/lib/containerd"
        state = "/run/containerd"

        [grpc]
          address = "\(socket)"

        [plugins]
          [plugins."io.containerd.snapshotter.v1.devmapper"]
            pool_name = "flintlock-thinpool"
            root_path = "/var/lib/containerd/snapshotter/devmapper"
            base_image_size = "10GB"
            discard_blocks = true

        """

    static let devmapperPlugin = Snippet.assign("sock", socket) + "\n" + #"""
        out=$(ctr -a "$sock" plugins ls 2>&1)
        status=$(printf '%s\n' "$out" | awk '$1 == "io.containerd.snapshotter.v1" && $2 == "devmapper" { print $NF }')
        [ "$status" = ok ] && exit 0
        echo "containerd: devmapper snapshotter ${status:-not listed} (want ok)"
        printf '%s\n' "$out" | grep -E 'TYPE|devmapper' || printf '%s\n' "$out" | head -n 3
        exit 1
        """#
}
