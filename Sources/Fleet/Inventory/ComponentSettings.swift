/// NAT settings for the hub.
public struct NATSettings: Sendable, Equatable {
    /// Which firewall implements the rules.
    public enum Backend: String, Sendable, Equatable, CaseIterable {
        /// firewalld direct rules, as in the Liquid Metal docs.
        case firewalld
        /// A dedicated nftables table.
        case nftables
    }
    /// The backend; firewalld by default.
    public var backend: Backend
    /// The interface NAT leaves by; nil means the interface of the hub's default route, read on
    /// the hub whenever the rules are checked or written.
    public var uplink: InterfaceName?
    /// Creates settings.
    public init(backend: Backend = .firewalld, uplink: InterfaceName? = nil) {
        self.backend = backend
        self.uplink = uplink
    }
}

/// DHCP server settings for the hub.
public struct DHCPSettings: Sendable, Equatable {
    /// Which DHCP server runs.
    public enum Backend: String, Sendable, Equatable, CaseIterable {
        /// isc-dhcp-server, as in the docs (end-of-life upstream).
        case isc
        /// kea-dhcp4-server.
        case kea
    }
    /// The backend; ISC by default.
    public var backend: Backend
    /// `default-lease-time` in seconds.
    public var defaultLeaseTime: Int
    /// `max-lease-time` in seconds.
    public var maxLeaseTime: Int
    /// Creates settings.
    public init(backend: Backend = .isc, defaultLeaseTime: Int = 600, maxLeaseTime: Int = 7200) {
        self.backend = backend
        self.defaultLeaseTime = defaultLeaseTime
        self.maxLeaseTime = maxLeaseTime
    }
}

/// Tailscale subnet router settings.
public struct TailscaleSettings: Sendable, Equatable {
    /// Where the auth key comes from; the key itself never sits in the inventory.
    public enum AuthKeySource: Sendable, Equatable {
        /// Read from this environment variable of the `fleet` process.
        case environment(String)
        /// Read from this local file.
        case file(String)
    }
    /// The auth key's source.
    public var authKey: AuthKeySource
    /// apt repository base URL (`https://pkgs.tailscale.com/stable/debian`).
    public var repository: String
    /// apt suite/codename (`bookworm`); nil means the host's own codename.
    public var suite: String?
    /// Optional `--hostname`.
    public var hostname: String?
    /// Optional `--advertise-tags`.
    public var advertiseTags: [String]
    /// Creates settings.
    /// The repository used when the inventory names none.
    public static let defaultRepository = "https://pkgs.tailscale.com/stable/debian"
    public init(authKey: AuthKeySource, repository: String = TailscaleSettings.defaultRepository,
                suite: String? = nil, hostname: String? = nil, advertiseTags: [String] = []) {
        self.authKey = authKey
        self.repository = repository
        self.suite = suite
        self.hostname = hostname
        self.advertiseTags = advertiseTags
    }
}

/// flintlock settings for each MicroVM host.
public struct FlintlockSettings: Sendable, Equatable {
    /// How MicroVM interfaces attach to the VLAN.
    public enum NetworkMode: Sendable, Equatable {
        /// macvtap on the VLAN interface (`parent-iface`). Only flintlock before v0.7.0 creates
        /// these with Firecracker (and only with a Firecracker build that supports macvtap);
        /// the loader refuses it for later versions.
        case macvtap
        /// tap devices on a bridge over the VLAN interface (`bridge-name`), a bridge fleet
        /// creates and owns. What flintlock v0.7.0 and later need with Firecracker.
        case bridge(InterfaceName)
    }
    /// The bridge fleet creates when the inventory names none.
    public static let defaultBridgeName: InterfaceName = "fleetbr0"
    /// The first flintlock release whose Firecracker provider refuses macvtap interfaces
    /// (commit 26d41bd, PR 953).
    public static let firstReleaseWithoutMacvtap = (0, 7, 0)
    /// The gRPC port when the inventory names none.
    public static let defaultGRPCPort = 9090
    /// Where release artifacts come from when the inventory names no base URL.
    public static let defaultArtifactBaseURL = "https://github.com"
    /// flintlockd release tag (`v0.11.0`).
    public var version: ReleaseTag
    /// firecracker release tag (`v1.15.1`).
    public var firecrackerVersion: ReleaseTag
    /// gRPC port on the VLAN address.
    public var grpcPort: Int
    /// Spare block device for the thinpool (`/dev/sdb`).
    public var disk: String
    /// Allow wiping a disk that carries partitions, a filesystem or foreign LVM.
    public var force: Bool
    /// Serve the API with mutual TLS from the environment's certificate authority (the
    /// default); false runs flintlockd with `insecure: true`.
    public var tls: Bool
    /// Base URL of the release artifacts.
    public var artifactBaseURL: String
    /// sha256 of the flintlockd binary.
    public var flintlockdSHA256: SHA256Digest
    /// sha256 of the firecracker release tarball.
    public var firecrackerSHA256: SHA256Digest
    /// MicroVM network attachment.
    public var networkMode: NetworkMode
    /// Creates settings.
    public init(version: ReleaseTag, firecrackerVersion: ReleaseTag, grpcPort: Int = FlintlockSettings.defaultGRPCPort, disk: String, force: Bool = false,
                tls: Bool = true, artifactBaseURL: String = FlintlockSettings.defaultArtifactBaseURL, flintlockdSHA256: SHA256Digest,
                firecrackerSHA256: SHA256Digest,
                networkMode: NetworkMode = .bridge(FlintlockSettings.defaultBridgeName)) {
        self.version = version
        self.firecrackerVersion = firecrackerVersion
        self.grpcPort = grpcPort
        self.disk = disk
        self.force = force
        self.tls = tls
        self.artifactBaseURL = artifactBaseURL
        self.flintlockdSHA256 = flintlockdSHA256
        self.firecrackerSHA256 = firecrackerSHA256
        self.networkMode = networkMode
    }
}

/// A user step from the inventory's `extraSteps`, run after the playbook's steps.
public struct ExtraStepSpec: Sendable, Equatable {
    /// What the step does.
    public enum Kind: Sendable, Equatable {
        /// Shell commands written by the user: `check` exits 0 when nothing is to be done.
        case command(check: String, apply: String, undo: String?)
        /// A file with exact content, mode and owner.
        case file(path: AbsolutePath, content: String, mode: FileMode, owner: FileOwner)
        /// A line present in a file.
        case line(path: AbsolutePath, line: String)
        /// A directory with mode and owner.
        case directory(path: AbsolutePath, mode: FileMode, owner: FileOwner)
    }
    /// Step id, unique per device.
    public var id: ExtraStepID
    /// One-line title; defaults to the id.
    public var title: String
    /// Which devices run it: one role, or nil for all.
    public var role: Role?
    /// The step itself.
    public var kind: Kind
    /// Creates a spec.
    public init(id: ExtraStepID, title: String, role: Role?, kind: Kind) {
        self.id = id
        self.title = title
        self.role = role
        self.kind = kind
    }
}
