import Fleet

/// flintlockd's configuration, unit and service on a MicroVM host.
///
/// flintlockd serves its API with mutual TLS by default (``FlintlockdTLS``): its own
/// certificate for the VLAN address, and only clients with a certificate from the
/// environment's CA (the cluster side's, from `fleet output`) are served. With
/// `flintlock.tls: false` it runs `insecure: true`, as the demo did, and `check` warns. In both
/// modes `grpc-endpoint` is the host's **VLAN address**, reachable from the private VLAN (and
/// through the hub's Tailscale subnet route), never the public address the demo's
/// `0.0.0.0:9090` exposed. The service check enforces that with `ss` and, with TLS, that the
/// endpoint serves the certificate fleet installed.
///
/// MicroVM networking: in bridge mode (the default) the config names `bridge-name`, the bridge
/// over the VLAN that ``VLAN`` creates; flintlock's Firecracker provider attaches each MicroVM's
/// tap to it. macvtap mode (`parent-iface`, the 2022 docs' setup) is only accepted for flintlock
/// before v0.7.0: later releases refuse macvtap interfaces with Firecracker.
///
/// - `flintlockd-config-dir`, `flintlockd-config`: `/etc/opt/flintlockd/config.yaml`, the file
///   flintlockd finds on its own config search path (`flintlockd run` has no `--config` flag).
/// - `flintlockd-unit`: `/etc/systemd/system/flintlockd.service` as flintlock ships it, plus
///   `After=containerd.service` (upstream only has `Requires=`) and ordering after the VLAN unit,
///   so the address exists when it binds.
/// - `flintlockd`: enabled and active, restarted when its config, unit, binaries or the VLAN
///   link changed; listening on `<vlan address>:<port>` and on nothing else.
enum Flintlockd {
    static let configPath = "/etc/opt/flintlockd/config.yaml"
    static let unitPath = "/etc/systemd/system/flintlockd.service"

    static func steps(_ context: PlaybookContext, settings: FlintlockSettings) -> [Step] {
        let unitFile = Step.file(id: StepID.flintlockdUnit, path: unitPath, content: unit(context),
                                 title: "flintlockd unit \(unitPath)").undoingAlso("systemctl daemon-reload")
        let tlsNotifiers = settings.tls ? [StepID.flintlockdClientCA, StepID.flintlockdCertificate, StepID.flintlockdKey] : []
        let service = Step.systemdUnit(
            "flintlockd",
            notifiedBy: [StepID.flintlockdConfig, StepID.flintlockdUnit, StepID.flintlockdBinary, StepID.firecracker,
                         StepID.vlanInterface] + tlsNotifiers,
            title: "flintlockd running").checkingAlso(listening(context, port: settings.grpcPort, tls: settings.tls))
        return [
            Step.directory(id: "flintlockd-config-dir", path: "/etc/opt/flintlockd",
                           managedEntries: settings.tls ? ["config.yaml", "tls"] : ["config.yaml"]),
        ] + (settings.tls ? FlintlockdTLS.steps(context) : []) + [
            Step.file(id: StepID.flintlockdConfig, path: configPath, content: config(context, settings: settings),
                      title: "flintlockd configuration \(configPath)"),
            unitFile,
            service,
        ]
    }

    static func config(_ context: PlaybookContext, settings: FlintlockSettings) -> String {
        let attachment = context.bridge.map { "bridge-name: \($0)" } ?? "parent-iface: \(context.vlanInterface)"
        let security = settings.tls
            ? """
                # Managed by fleet. Mutual TLS: this host's certificate for its VLAN address, and
                # only clients with a certificate from the environment's CA are served.
                insecure: false
                tls-cert: \(FlintlockdTLS.certificatePath)
                tls-key: \(FlintlockdTLS.keyPath)
                tls-client-validate: true
                tls-client-ca: \(FlintlockdTLS.clientCAPath)
                """
            : """
                # Managed by fleet. No TLS and no authentication (insecure: true, flintlock.tls is
                # false): the API listens on this host's VLAN address only, never on a public address.
                insecure: true
                """
        return """
            \(security)
            containerd-socket: \(Containerd.socket)
            grpc-endpoint: \(context.address):\(settings.grpcPort)
            \(attachment)

            """
    }

    static func unit(_ context: PlaybookContext) -> String {
        """
        # Managed by fleet: flintlock's flintlockd.service, ordered after containerd and the VLAN.
        [Unit]
        Description=flintlock microvm service
        Documentation=https://www.liquidmetal.dev
        Requires=containerd.service
        After=containerd.service \(context.vlanUnit)
        Wants=\(context.vlanUnit)

        [Service]
        ExecStartPre=which firecracker
        ExecStartPre=which flintlockd
        ExecStart=/usr/local/bin/flintlockd run
        Restart=always
        RestartSec=5
        User=root
        KillMode=process

        [Install]
        WantedBy=multi-user.target

        """
    }

    /// Reads the live config (it may have been edited by hand): without TLS (`insecure: true`)
    /// and without `basic-auth-token`, whoever reaches the endpoint can create MicroVMs. That
    /// is fleet's own config with `flintlock.tls: false`, so such a run warns on every check.
    static let authWarning = #"""
        tls=yes; auth=no
        grep -Eq '^[[:space:]]*insecure:[[:space:]]*true' \#(configPath) 2>/dev/null && tls=no
        grep -Eq '^[[:space:]]*basic-auth-token:[[:space:]]*[^[:space:]]' \#(configPath) 2>/dev/null && auth=yes
        if [ "$tls" = no ] && [ "$auth" = no ]; then
          echo "WARNING: flintlockd serves $ep without TLS and without authentication (insecure: true, no basic-auth-token): anything that reaches the VLAN, including through the hub's Tailscale route, can create MicroVMs"
        fi
        """#

    /// flintlockd must listen on the VLAN endpoint and on nothing else; it binds a moment after
    /// a (re)start, once containerd answers, so an active service gets some seconds. A missing
    /// /dev/kvm is a NOTE only: flintlockd runs without it, MicroVMs do not.
    static func listening(_ context: PlaybookContext, port: Int, tls: Bool) -> String {
        [Snippet.assign("ep", "\(context.address):\(port)"), Snippet.assign("port", String(port))]
            .joined(separator: "\n") + "\n" + #"""
            [ -c /dev/kvm ] || echo "NOTE: /dev/kvm is missing: flintlockd runs, but cannot start MicroVMs"
            i=0
            while :; do
              lines=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep '"flintlockd"')
              wrong=$(printf '%s\n' "$lines" | awk -v ep="$ep" 'NF && $4 != ep { print $4 }')
              if [ -n "$wrong" ]; then
                echo "flintlockd listens on $(printf '%s' "$wrong" | tr '\n' ' '): it must listen on $ep only (a wildcard or public address exposes an unauthenticated API)"
                printf '%s\n' "$lines"
                exit 1
              fi
              if [ -n "$lines" ]; then
                others=$(ss -Hltnp 2>/dev/null | grep '"flintlockd"' | awk -v ep="$ep" -v ip="${ep%:*}" '$4 != ep { a = $4; sub(/:[0-9]+$/, "", a); if (a != ip && a != "127.0.0.1" && a != "[::1]") print $4 }')
                \#(tls ? FlintlockdTLS.served : "")
                [ -z "$others" ] || echo "WARNING: flintlockd also listens on $(printf '%s' "$others" | tr '\n' ' ')(not the VLAN address; check its debug or HTTP endpoint settings)"
                \#(authWarning)
                exit 0
              fi
              [ "$i" -lt 20 ] && systemctl is-active --quiet flintlockd || break
              i=$((i + 1))
              sleep 1
            done
            echo "flintlockd: not listening on $ep"
            ss -Hltnp "sport = :$port" 2>&1
            exit 1
            """#
    }
}
