/// Renders the check, apply, undo and undo-check snippets of one managed file; shared by the
/// file, kernel-module and sysctl primitives.
struct FileScript {
    var path: String
    var content: FileContent
    var mode: String
    var owner: String
    var sensitive: Bool
    /// Shell run against the candidate (`$candidate`) before it replaces the live file.
    var validate: String?
    /// Keep what was there before fleet (`<path>.fleet-orig`, or a `<path>.fleet-absent` marker)
    /// so that undo restores it instead of deleting the file.
    var keepOriginal: Bool

    /// `0644` → `644`: the form `stat -c %a` prints. Text that is not octal is passed on as is,
    /// for `chmod` to reject with its own message.
    static func normalizedMode(_ mode: String) -> String {
        guard !mode.isEmpty, mode.allSatisfy({ ("0"..."7").contains($0) }),
              let value = Int(mode, radix: 8), value <= 0o7777 else { return mode }
        return String(value, radix: 8)
    }

    private var prelude: String {
        let desired: String
        switch content {
        case .literal(let text): desired = Snippet.contentFunction("desired", text)
        // A subshell body, so that an `exit` in the renderer ends only the renderer.
        case .generated(let script): desired = "desired() (\n\(script)\n)"
        }
        return """
            \(Snippet.assign("p", path))
            \(Snippet.assign("want_mode", FileScript.normalizedMode(mode)))
            \(Snippet.assign("want_owner", owner))
            \(desired)
            """
    }

    /// A generated renderer can fail (no resolvers found); say so instead of diffing nothing.
    private var renderGuard: String {
        guard case .generated = content else { return "" }
        return #"""
            if ! desired >/dev/null; then
              echo "$p: cannot render the desired content"
              exit 1
            fi
            """# + "\n"
    }

    var check: String {
        let contentEvidence = sensitive
            ? #"  echo "$p: content differs (sensitive, not shown)""#
            : #"  desired | diff -u --label "$p" --label "$p (desired)" -- "$cur" -"#
        return prelude + "\nrc=0\n" + renderGuard + #"""
            if [ -f "$p" ] && desired | cmp -s -- "$p" -; then
              :
            else
              rc=1
              if [ -e "$p" ]; then cur=$p; else cur=/dev/null; echo "$p: missing"; fi
            \#(contentEvidence)
            fi
            if [ -e "$p" ]; then
              s=$(stat -c '%a %U:%G' -- "$p")
              m=${s%% *} o=${s#* }
              if [ "$m" != "$want_mode" ]; then echo "$p: mode $m, want $want_mode"; rc=1; fi
              if [ "$o" != "$want_owner" ]; then echo "$p: owner $o, want $want_owner"; rc=1; fi
            fi
            exit "$rc"
            """#
    }

    var apply: String {
        var text = "set -e\n" + prelude + "\n" + #"""
            dir=$(dirname -- "$p")
            mkdir -p -- "$dir"
            tmp=$(mktemp -- "$dir/.fleet.XXXXXX")
            trap 'rm -f -- "$tmp"' EXIT
            trap 'exit 130' INT TERM HUP
            desired >"$tmp"
            """#
        if let validate {
            text += "\ncandidate=$tmp\n" + #"""
                if ! (
                \#(validate)
                ); then
                  echo "$p: the new content failed validation; the live file was left as it was" >&2
                  exit 1
                fi
                """#
        }
        text += "\n" + #"""
            chmod -- "$want_mode" "$tmp"
            chown -- "$want_owner" "$tmp"
            """#
        if keepOriginal {
            text += "\n" + #"""
                if [ ! -e "$p.fleet-orig" ] && [ ! -e "$p.fleet-absent" ]; then
                  if [ -e "$p" ]; then cp -p -- "$p" "$p.fleet-orig"; else : >"$p.fleet-absent"; fi
                fi
                """#
        }
        return text + "\n" + #"mv -fT -- "$tmp" "$p""#
    }

    var undo: String {
        let assign = Snippet.assign("p", path)
        guard keepOriginal else { return "set -e\n\(assign)\n" + #"rm -f -- "$p""# }
        return "set -e\n\(assign)\n" + #"""
            if [ -e "$p.fleet-orig" ]; then
              mv -fT -- "$p.fleet-orig" "$p"
              echo "$p: original restored"
            elif [ -e "$p.fleet-absent" ]; then
              rm -f -- "$p" "$p.fleet-absent"
              echo "$p: removed (it did not exist before fleet)"
            fi
            """#
    }

    var undoCheck: String {
        let assign = Snippet.assign("p", path)
        guard keepOriginal else {
            return assign + "\n" + #"""
                if [ -e "$p" ] || [ -L "$p" ]; then echo "$p: present"; exit 1; fi
                """#
        }
        return assign + "\n" + #"""
            if [ -e "$p.fleet-orig" ]; then echo "$p: the original is saved in $p.fleet-orig, not restored yet"; exit 1; fi
            if [ -e "$p.fleet-absent" ]; then echo "$p: written by fleet, not removed yet"; exit 1; fi
            exit 0
            """#
    }
}
