extension Step {
    /// A whole line present exactly once in a file.
    ///
    /// - Check: `grep -cxF` counts the line; exactly one occurrence passes. The evidence says
    ///   whether the file is missing or how often the line is there.
    /// - Apply: appends the line when it is missing (creating the parent directory and the file
    ///   if needed, and first ending an unterminated last line), or drops the extra copies when
    ///   it is there more than once (keeping the first, the file's mode and owner). Re-running
    ///   never adds a second copy.
    /// - Undo: removes every copy of exactly that line, keeping mode and owner; undo-check passes
    ///   when the line is nowhere in the file (or the file is gone). The file itself stays, even
    ///   if apply created it: other content may have joined it since.
    ///
    /// A line cannot contain a newline; such a step fails its check and apply with a message.
    public static func line(id: String, path: String, line: String, title: String? = nil) -> Step {
        let title = title ?? "line in \(path)"
        guard !line.contains("\n") && !line.contains("\r") else {
            let failure = Snippet.fail("\(id): the line for \(path) contains a line break")
            return Step(id: id, title: title, check: failure, apply: failure)
        }
        let prelude = Snippet.assign("p", path) + "\n" + Snippet.assign("l", line) + "\n"
        let count = #"n=$(grep -cxF -- "$l" "$p" 2>/dev/null) || n=0"#
        let check = prelude + count + "\n" + #"""
            [ "$n" -eq 1 ] && exit 0
            if [ -e "$p" ]; then
              echo "$p: line present $n times, want exactly once: $l"
            else
              echo "$p: missing, want a file with the line: $l"
            fi
            exit 1
            """#
        // The awk comparison concatenates "" so that lines that look numeric ("1" and "1.0")
        // are compared as text, as grep -xF does.
        let apply = "set -e\n" + prelude + count + "\n" + #"""
            if [ "$n" -eq 0 ]; then
              mkdir -p -- "$(dirname -- "$p")"
              if [ -s "$p" ] && [ -n "$(tail -c 1 -- "$p")" ]; then printf '\n' >>"$p"; fi
              printf '%s\n' "$l" >>"$p"
            elif [ "$n" -gt 1 ]; then
              tmp=$(mktemp -- "$p.fleet-XXXXXX")
              trap 'rm -f -- "$tmp"' EXIT
              trap 'exit 130' INT TERM HUP
              L=$l awk '($0 "") != (ENVIRON["L"] "") || !seen++' "$p" >"$tmp"
              chmod --reference="$p" -- "$tmp"
              chown --reference="$p" -- "$tmp"
              mv -fT -- "$tmp" "$p"
            fi
            """#
        let undo = "set -e\n" + prelude + #"""
            if grep -qxF -- "$l" "$p" 2>/dev/null; then
              tmp=$(mktemp -- "$p.fleet-XXXXXX")
              trap 'rm -f -- "$tmp"' EXIT
              trap 'exit 130' INT TERM HUP
              grep -vxF -- "$l" "$p" >"$tmp" || [ "$?" -eq 1 ]
              chmod --reference="$p" -- "$tmp"
              chown --reference="$p" -- "$tmp"
              mv -fT -- "$tmp" "$p"
            fi
            """#
        let undoCheck = prelude + #"""
            if grep -qxF -- "$l" "$p" 2>/dev/null; then echo "$p: still has the line: $l"; exit 1; fi
            exit 0
            """#
        return Step(id: id, title: title, check: check, apply: apply, undo: undo, undoCheck: undoCheck)
    }
}
