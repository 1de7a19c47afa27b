import Fleet

/// A pinned release binary (firecracker, flintlockd) installed into `/usr/local/bin` after its
/// download matched the inventory's sha256.
///
/// - Check: the binary is there and its stamp `/var/lib/fleet/<name>.stamp` records the wanted
///   tag and artifact sha256 on its first line and the installed binary's own sha256 on its
///   second, which must still match the file (a binary replaced by hand is reported), and the
///   binary must print its version.
/// - Apply: downloads the artifact to a temporary directory with `curl`, verifies it with
///   `sha256sum -c` **before** anything is installed, extracts the binary from a tarball when
///   needed, runs its version command (a binary that fails it is not installed), installs it
///   0755 root:root by rename, and writes the stamp.
/// - Undo: removes the binary and its stamp, but only when the stamp exists (a binary fleet did
///   not install is left alone); `/var/lib/fleet` goes when empty. A binary that was at the
///   path before fleet's first install was kept as `/var/lib/fleet/<name>.orig` and is put back.
struct ReleaseBinary {
    var id: String
    var name: String
    var tag: String
    var url: String
    var sha256: String
    /// Path inside a `.tgz` artifact; nil when the artifact is the binary itself.
    var member: String?
    /// Arguments that make the binary print its version after install.
    var versionArguments: [String]

    /// Where the binary goes (tests point this and ``stateDirectory`` at a temporary directory).
    var binDirectory = "/usr/local/bin"
    /// fleet's own state on the host: the stamps.
    var stateDirectory = HostState.directory

    var path: String { "\(binDirectory)/\(name)" }
    var stamp: String { "\(stateDirectory)/\(name).stamp" }
    /// A binary that was at ``path`` before fleet's first install, kept for teardown.
    var original: String { "\(stateDirectory)/\(name).orig" }

    var step: Step {
        let version = ShellQuote.join(versionArguments)
        let prelude = [Snippet.assign("bin", path), Snippet.assign("stamp", stamp), Snippet.assign("orig", original),
                       Snippet.assign("want", "\(tag) \(sha256.lowercased())"), Snippet.assign("url", url),
                       Snippet.assign("sha", sha256.lowercased()), Snippet.assign("member", member ?? "")]
            .joined(separator: "\n") + "\n"
        let check = prelude + #"""
            [ -x "$bin" ] || { echo "$bin: missing"; exit 1; }
            [ -f "$stamp" ] || { echo "$bin: present but not installed by fleet (no $stamp)"; exit 1; }
            rc=0
            recorded=$(sed -n 1p "$stamp"); installed=$(sed -n 2p "$stamp")
            [ "$recorded" = "$want" ] || { echo "$bin: installed from '$recorded', want '$want'"; rc=1; }
            actual=$(sha256sum -- "$bin" | cut -d ' ' -f 1)
            [ "$actual" = "$installed" ] || { echo "$bin: sha256 $actual is not the $installed fleet installed"; rc=1; }
            out=$("$bin" \#(version) 2>&1) || { echo "$bin \#(version) fails:"; printf '%s\n' "$out" | head -n 5; rc=1; }
            exit "$rc"
            """#
        let apply = "set -e\n" + prelude + #"""
            [ "$(uname -m)" = x86_64 ] || { echo "only x86_64 release artifacts are configured; this host is $(uname -m)" >&2; exit 1; }
            work=$(mktemp -d)
            trap 'rm -rf -- "$work"' EXIT
            trap 'exit 130' INT TERM HUP
            echo "downloading $url"
            curl -fsSL --retry 3 --connect-timeout 20 -o "$work/artifact" "$url"
            if ! (cd "$work" && printf '%s  %s\n' "$sha" artifact | sha256sum -c -); then
              echo "$url: sha256 mismatch (want $sha); nothing installed" >&2
              exit 1
            fi
            src=$work/artifact
            if [ -n "$member" ]; then
              # The whole archive: member names may or may not carry a leading "./".
              mkdir "$work/x"
              tar -xzf "$work/artifact" -C "$work/x"
              src=$work/x/$member
              [ -f "$src" ] || { echo "$url: no $member in the archive" >&2; exit 1; }
            fi
            install -m 0755 -o root -g root -- "$src" "$bin.fleet-new"
            # A binary that cannot even print its version (wrong architecture, missing libraries)
            # is not installed; `| head` would hide its exit status.
            if ! out=$("$bin.fleet-new" \#(version) 2>&1); then
              rm -f -- "$bin.fleet-new"
              echo "$url: the binary does not run ($(basename -- "$bin") \#(version)); nothing installed:" >&2
              printf '%s\n' "$out" | head -n 5 >&2
              exit 1
            fi
            mkdir -p -- "$(dirname -- "$stamp")"
            # A binary someone else put there is kept, once, for teardown to put back.
            if [ -e "$bin" ] && [ ! -e "$stamp" ] && [ ! -e "$orig" ]; then
              cp -p -- "$bin" "$orig.tmp" && mv -fT -- "$orig.tmp" "$orig"
              echo "$bin was there before fleet: kept as $orig, put back at teardown"
            fi
            mv -fT -- "$bin.fleet-new" "$bin"
            printf '%s\n%s\n' "$want" "$(sha256sum -- "$bin" | cut -d ' ' -f 1)" >"$stamp.tmp"
            mv -fT -- "$stamp.tmp" "$stamp"
            printf '%s\n' "$out" | head -n 1
            """#
        let undo = "set -e\n" + prelude + #"""
            if [ -e "$stamp" ]; then
              if [ -e "$orig" ]; then mv -fT -- "$orig" "$bin"; echo "$bin: the one from before fleet is back"; else rm -f -- "$bin"; fi
              rm -f -- "$stamp"
            fi
            rmdir -- "$(dirname -- "$stamp")" 2>/dev/null || true
            """#
        let undoCheck = prelude + #"""
            if [ -e "$stamp" ]; then echo "$bin: installed by fleet, still there"; exit 1; fi
            if [ -e "$orig" ]; then echo "$bin: the one from before fleet is still kept as $orig"; exit 1; fi
            exit 0
            """#
        return Step(id: id, title: "\(name) \(tag)", check: check, apply: apply, undo: undo, undoCheck: undoCheck,
                    timeout: .seconds(600))
    }

    /// Firecracker's release tarball and the binary inside it.
    static func firecracker(_ settings: FlintlockSettings) -> ReleaseBinary {
        let tag = settings.firecrackerVersion.rawValue, base = trimmed(settings.artifactBaseURL)
        return ReleaseBinary(
            id: StepID.firecracker, name: "firecracker", tag: tag,
            url: "\(base)/firecracker-microvm/firecracker/releases/download/\(tag)/firecracker-\(tag)-x86_64.tgz",
            sha256: settings.firecrackerSHA256.rawValue, member: "release-\(tag)-x86_64/firecracker-\(tag)-x86_64",
            versionArguments: ["--version"])
    }

    /// flintlockd, released as a bare binary.
    static func flintlockd(_ settings: FlintlockSettings) -> ReleaseBinary {
        let tag = settings.version.rawValue, base = trimmed(settings.artifactBaseURL)
        return ReleaseBinary(
            id: StepID.flintlockdBinary, name: "flintlockd", tag: tag,
            url: "\(base)/liquidmetal-dev/flintlock/releases/download/\(tag)/flintlockd_amd64",
            sha256: settings.flintlockdSHA256.rawValue, member: nil, versionArguments: ["version"])
    }

    private static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
