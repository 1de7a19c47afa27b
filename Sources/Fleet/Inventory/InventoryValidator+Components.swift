extension InventoryValidator {
    /// Reads `tailscale`. An auth key pasted anywhere in it is an error that never echoes the key.
    func readTailscale(_ value: JSONValue, at path: JSONPath) -> TailscaleSettings? {
        let leaked = reportAuthKeys(in: value, at: path)
        guard let object = ObjectReader(value, at: path, shape: InventoryShape.tailscale, context: context) else {
            return nil
        }
        // A field that holds a key has been reported; checking its syntax too would only repeat it.
        func unless<T>(_ key: String, _ read: () -> T?) -> T? { leaked.contains(object.path(key)) ? nil : read() }

        let hasEnv = object.contains("authKeyEnv"), hasFile = object.contains("authKeyFile")
        if hasEnv == hasFile {
            context.error(path, "expected exactly one of `authKeyEnv` (an environment variable name)"
                + " or `authKeyFile` (a file path), found \(hasEnv ? "both" : "neither")")
        }
        let environment = unless("authKeyEnv") { object.string("authKeyEnv") }
        let file = unless("authKeyFile") { object.string("authKeyFile") }
        let repository = unless("repository") { object.string("repository") }
        let suite = unless("suite") { object.string("suite") }
        let hostname = unless("hostname") { object.string("hostname") }
        let tags = object.array("advertiseTags")?.compactMap { element -> String? in
            guard !leaked.contains(element.path) else { return nil }
            return context.text(element.value, at: element.path, shape: InventoryShape.tag)
        }
        let source: TailscaleSettings.AuthKeySource? =
            hasEnv && hasFile ? nil : environment.map { .environment($0) } ?? file.map { .file($0) }
        guard let source else { return nil }
        let defaults = TailscaleSettings(authKey: source)
        return TailscaleSettings(authKey: source, repository: repository ?? defaults.repository, suite: suite,
                                 hostname: hostname, advertiseTags: tags ?? [])
    }

    /// Reports every string under `value` that looks like an auth key; returns their paths.
    private func reportAuthKeys(in value: JSONValue, at path: JSONPath) -> Set<JSONPath> {
        let advice = "looks like a Tailscale auth key;"
            + " put the key in an environment variable (authKeyEnv) or a file (authKeyFile), never in the inventory"
        switch value {
        case .string(let text) where ValidationContext.looksLikeAuthKey(text):
            context.error(path, advice)
            return [path]
        case .object(let members):
            // A key *name* that looks like an auth key is reported by the unknown-key check.
            return members.reduce(into: []) { found, member in
                found.formUnion(reportAuthKeys(in: member.value, at: path.appending(member.key)))
            }
        case .array(let elements):
            return elements.enumerated().reduce(into: []) { found, element in
                found.formUnion(reportAuthKeys(in: element.element, at: path.appending(index: element.offset)))
            }
        default:
            return []
        }
    }

    /// Reads `flintlock`.
    func readFlintlock(_ value: JSONValue, at path: JSONPath) -> FlintlockSettings? {
        guard let object = ObjectReader(value, at: path, shape: InventoryShape.flintlock, context: context) else {
            return nil
        }
        let version = object.value("version", as: ReleaseTag.self)
        let firecrackerVersion = object.value("firecrackerVersion", as: ReleaseTag.self)
        let grpcPort = object.integer("grpcPort")
        let disk = object.string("disk")
        let force = object.bool("force")
        let tls = object.bool("tls")
        let baseURL = object.string("artifactBaseURL")
        var digests: [String: SHA256Digest] = [:]
        if let sha256 = object.object("sha256") {
            for key in sha256.shape.keys { digests[key] = sha256.value(key, as: SHA256Digest.self) }
        }
        let bridge = object.value("bridgeName", as: InterfaceName.self)
        let mode = object.choice("networkMode")
        guard let version, let firecrackerVersion, let disk, let flintlockd = digests["flintlockd"],
            let firecracker = digests["firecracker"]
        else { return nil }
        let networkMode: FlintlockSettings.NetworkMode
        if mode == "macvtap" {
            if bridge != nil {
                context.error(object.path("bridgeName"),
                              "is set, but flintlock.networkMode is \"macvtap\", which uses no bridge;"
                                  + " remove one of the two")
                return nil
            }
            if !Self.createsMacvtap(flintlockVersion: version) {
                context.error(object.path("networkMode"), Self.macvtapRefusal(version: version))
                return nil
            }
            networkMode = .macvtap
        } else {
            networkMode = .bridge(bridge ?? FlintlockSettings.defaultBridgeName)
        }
        var settings = FlintlockSettings(version: version, firecrackerVersion: firecrackerVersion, disk: disk,
                                         flintlockdSHA256: flintlockd, firecrackerSHA256: firecracker,
                                         networkMode: networkMode)
        if let grpcPort { settings.grpcPort = grpcPort }
        if let force { settings.force = force }
        if let tls { settings.tls = tls }
        if let baseURL { settings.artifactBaseURL = baseURL }
        return settings
    }

    /// Whether this flintlock can create macvtap interfaces with its Firecracker provider:
    /// releases before v0.7.0 could (with a Firecracker build that supports macvtap); later
    /// ones refuse them. A tag that is not `vMAJOR.MINOR.PATCH` is treated as a later release.
    static func createsMacvtap(flintlockVersion tag: ReleaseTag) -> Bool {
        guard let version = tag.semanticVersion else { return false }
        return version < FlintlockSettings.firstReleaseWithoutMacvtap
    }

    static func macvtapRefusal(version: ReleaseTag) -> String {
        "\"macvtap\" cannot create MicroVMs with flintlock \(version): since v0.7.0 its Firecracker provider"
            + " refuses macvtap interfaces (\"macvtap network interfaces not supported\"), and tap interfaces"
            + " need a bridge; use \"bridge\" (the default, with bridgeName or \(FlintlockSettings.defaultBridgeName)),"
            + " or a flintlock before v0.7.0 with a Firecracker build that supports macvtap"
    }
}
