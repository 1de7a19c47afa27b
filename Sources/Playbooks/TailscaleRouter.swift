import Fleet

/// The hub as a Tailscale subnet router for the VLAN subnet.
///
/// - `tailscale-prereqs`: `curl` and `ca-certificates` (minimal Debian has neither).
/// - `tailscale-repo`: Tailscale's signing key at
///   `/usr/share/keyrings/tailscale-archive-keyring.gpg` (fetched from
///   `<repository>/<suite>.noarmor.gpg`) and `/etc/apt/sources.list.d/tailscale.list` pointing
///   at `<repository> <suite> main` with `signed-by`. No `curl | sh`. The suite is the
///   inventory's or the host's `VERSION_CODENAME`; with the default Debian repository on an
///   Ubuntu host, Tailscale's `…/stable/ubuntu` tree is used, since each tree only carries its
///   own distribution's suites. Teardown removes both files.
/// - `tailscale-package`, `tailscaled`: the package, and the daemon enabled and running
///   (teardown stops and disables it).
/// - `tailscale-up`: see ``TailscaleUp``.
enum TailscaleRouter {
    static let keyring = "/usr/share/keyrings/tailscale-archive-keyring.gpg"
    static let sourcesList = "/etc/apt/sources.list.d/tailscale.list"
    static let defaultRepository = "https://pkgs.tailscale.com/stable/debian"

    static func steps(_ context: PlaybookContext, settings: TailscaleSettings) -> [Step] {
        [
            Step.aptPackages(id: "tailscale-prereqs", packages: ["curl", "ca-certificates"]),
            repository(settings),
            Step.aptPackages(id: "tailscale-package", packages: ["tailscale"]),
            Step.systemdUnit("tailscaled", title: "tailscaled running"),
            TailscaleUp.step(context, settings: settings),
        ]
    }

    /// Sets `$repo` and `$suite` for this host.
    static func resolve(_ settings: TailscaleSettings) -> String {
        [Snippet.assign("repo", settings.repository), Snippet.assign("suite", settings.suite ?? ""),
         Snippet.assign("default_repo", defaultRepository), Snippet.assign("keyring", keyring)]
            .joined(separator: "\n") + "\n" + #"""
            os_id=$(. /etc/os-release && echo "$ID")
            [ -n "$suite" ] || suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
            if [ -z "$suite" ]; then echo "cannot tell this host's release: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; fi
            if [ "$repo" = "$default_repo" ] && [ "$os_id" = ubuntu ]; then repo=${default_repo%/debian}/ubuntu; fi
            """# + "\n"
    }

    static func repository(_ settings: TailscaleSettings) -> Step {
        let resolve = resolve(settings)
        let list = Step.configFile(
            id: "tailscale-repo", path: sourcesList,
            content: .generated(resolve + #"printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$repo" "$suite""#))
        let keyCheck = Snippet.assign("keyring", keyring) + "\n" + #"""
            [ -s "$keyring" ] && exit 0
            echo "$keyring: missing"
            exit 1
            """#
        // The .noarmor.gpg key is a binary OpenPGP public key: its first byte is a public-key
        // packet tag (old format 0x98/0x99/0x9a for a 1/2/4-byte length — a short ed25519 key
        // takes 0x98 — or new format 0xc6). Anything else (an HTML error page) is refused.
        let keyFetch = "set -e\n" + resolve + #"""
            [ -s "$keyring" ] && exit 0
            tmp=$(mktemp -- "$keyring.fleet-XXXXXX")
            trap 'rm -f -- "$tmp"' EXIT
            trap 'exit 130' INT TERM HUP
            curl -fsSL --retry 3 --connect-timeout 20 -o "$tmp" "$repo/$suite.noarmor.gpg"
            case "$(od -An -tx1 -N1 "$tmp" | tr -d ' ')" in
              98|99|9a|c6) ;;
              *) echo "$repo/$suite.noarmor.gpg is not an OpenPGP key" >&2; exit 1;;
            esac
            chmod 0644 "$tmp"
            mv -fT -- "$tmp" "$keyring"
            """#
        let keyRemove = "set -e\n" + Snippet.assign("keyring", keyring) + "\n" + #"rm -f -- "$keyring""#
        let keyGone = Snippet.assign("keyring", keyring) + "\n" + #"""
            if [ -e "$keyring" ]; then echo "$keyring: present"; exit 1; fi
            """#
        return Step(id: "tailscale-repo", title: "Tailscale apt repository",
                    check: Snippet.allOf([keyCheck, list.check]), apply: Snippet.sequence([keyFetch, list.apply]),
                    undo: Snippet.sequence([list.undo ?? "true", keyRemove]),
                    undoCheck: Snippet.allOf([list.undoCheck ?? "true", keyGone]), timeout: .seconds(120))
    }
}
