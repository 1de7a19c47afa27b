extension InventoryShape {
    /// `tailscale`.
    static let tailscale = ObjectShape(properties: [
        Property("authKeyEnv", .text(.matching(
            InventoryPattern.environmentName, what: "environment variable name",
            rule: "letters, digits and '_', not starting with a digit, such as TS_AUTHKEY")),
                 description: "Environment variable of the fleet process that holds the auth key."),
        Property("authKeyFile", .text(.free(nonEmpty: "the path of a file holding the auth key")),
                 description: "Local file that holds the auth key."),
        Property("repository", .text(url), default: .string(TailscaleSettings.defaultRepository)),
        Property("suite", .text(.matching(InventoryPattern.suite, what: "apt suite",
                                          rule: "lowercase letters, digits or '-', such as bookworm")),
                 description: "apt suite; default: the host's codename."),
        Property("hostname", .text(name(what: "Tailscale host name"))),
        Property("advertiseTags", .array(ArrayShape(items: .text(tag)))),
    ], description: "Tailscale subnet router on the hub. The key itself never goes in the inventory.",
       exactlyOneOf: ["authKeyEnv", "authKeyFile"])

    static let tag = TextShape.matching(InventoryPattern.tag, what: "Tailscale tag",
                                        rule: "\"tag:\" followed by lowercase letters, digits or '-', such as tag:lm")

    static let url = TextShape.matching(InventoryPattern.url, what: "URL", rule: InventoryPattern.urlRule)

    /// `flintlock`.
    static let flintlock = ObjectShape(properties: [
        Property("version", .text(.rule(ReleaseTagRule.self)), .required),
        Property("firecrackerVersion", .text(.rule(ReleaseTagRule.self)), .required),
        Property("grpcPort", .integer(port), default: .number(String(FlintlockSettings.defaultGRPCPort))),
        Property("disk", .text(.matching(
            InventoryPattern.disk, what: "block device",
            rule: "a path under /dev/ of letters, digits, '/', '_' or '-', such as /dev/sdb")), .required,
                 description: "Spare block device for the thinpool."),
        Property("force", .boolean, default: .bool(false)),
        Property("tls", .boolean, description: "Serve flintlockd's API with mutual TLS from the environment's own CA"
            + " (kept on the controller). false keeps the insecure mode (no TLS), which check warns about.",
                 default: .bool(true)),
        Property("artifactBaseURL", .text(url), default: .string(FlintlockSettings.defaultArtifactBaseURL)),
        Property("sha256", .object(ObjectShape(properties: [
            Property("flintlockd", .text(.rule(SHA256DigestRule.self)), .required),
            Property("firecracker", .text(.rule(SHA256DigestRule.self)), .required),
        ])), .required),
        Property("bridgeName", .text(.rule(InterfaceNameRule.self)),
                 description: "The bridge fleet creates over the VLAN on each host (bridge mode); flintlock attaches"
                    + " each MicroVM's tap to it. Not a host's parentInterface, and not an existing bridge fleet"
                    + " did not create.",
                 default: .string(FlintlockSettings.defaultBridgeName.rawValue)),
        Property("networkMode", .choice(["bridge", "macvtap"], what: "MicroVM network mode"),
                 description: "bridge: tap devices on bridgeName (what flintlock v0.7.0 and later need with"
                    + " Firecracker). macvtap: only for flintlock before v0.7.0 with a Firecracker build that"
                    + " supports macvtap; refused otherwise.",
                 default: .string("bridge")),
    ], description: "flintlock on each host.")

    /// One element of `extraSteps`: an id and exactly one kind.
    static let extraStep = ValueShape.named("extraStep", .object(extraStepFields))
    static let extraStepFields = ObjectShape(properties: [
        Property("id", .text(.rule(ExtraStepIDRule.self)), .required),
        Property("role", .choice(Role.allCases.map(\.rawValue) + ["all"], what: "role"), default: .string("all")),
        Property("title", .text(.free(nonEmpty: "a one-line title"))),
        Property("file", .object(ObjectShape(properties: [
            Property("path", path, .required),
            Property("content", .text(.free(.multiline)), .required),
            Property("mode", mode, description: "Octal mode such as 0644.", default: .string("0644")),
            Property("owner", owner, description: "user:group", default: .string("root:root")),
        ]))),
        Property("line", .object(ObjectShape(properties: [
            Property("path", path, .required),
            Property("line", .text(.free()), .required),
        ]))),
        Property("directory", .object(ObjectShape(properties: [
            Property("path", path, .required),
            Property("mode", mode, description: "Octal mode such as 0755.", default: .string("0755")),
            Property("owner", owner, description: "user:group", default: .string("root:root")),
        ]))),
        Property("command", .object(ObjectShape(properties: [
            Property("check", command, .required, description: "Shell command run with /bin/sh as root."),
            Property("apply", command, .required, description: "Shell command run with /bin/sh as root."),
            Property("undo", command, description: "Shell command run with /bin/sh as root."),
        ]))),
    ], exactlyOneOf: ["file", "line", "directory", "command"])

    static let path = ValueShape.named("path", .text(.rule(AbsolutePathRule.self)))
    static let mode = ValueShape.text(.rule(FileModeRule.self))
    static let owner = ValueShape.text(.rule(FileOwnerRule.self))
    static let command = ValueShape.text(.free(.multiline, nonEmpty: "a shell command"))
}
