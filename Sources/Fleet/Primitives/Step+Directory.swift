extension Step {
    /// A directory with a mode and an owner.
    ///
    /// - Check: the path is a directory with that mode and owner (one `stat -c '%a %U:%G'`);
    ///   the evidence names what differs.
    /// - Apply: `mkdir -p` (parents included), then `chmod` and `chown`.
    /// - Undo: `rmdir`, which removes the directory **only when it is empty**: teardown never
    ///   deletes files that someone put there, and it leaves the parents `mkdir -p` created.
    ///   Undo-check passes when the directory is gone, or holds something besides
    ///   `managedEntries` (user data: fleet keeps the directory).
    ///
    /// - Parameter managedEntries: names of entries that later steps put in the directory and
    ///   remove on teardown before this step's undo runs. Teardown checks every step before it
    ///   undoes any, so without this list the directory would look "in use, keep it" at check
    ///   time and survive until a second teardown.
    public static func directory(id: String, path: String, mode: String = "0755", owner: String = "root:root",
                                 title: String? = nil, managedEntries: [String] = []) -> Step {
        let prelude = """
            \(Snippet.assign("p", path))
            \(Snippet.assign("want_mode", FileScript.normalizedMode(mode)))
            \(Snippet.assign("want_owner", owner))

            """
        let check = prelude + #"""
            if [ ! -d "$p" ]; then echo "$p: missing directory"; exit 1; fi
            rc=0
            s=$(stat -c '%a %U:%G' -- "$p")
            m=${s%% *} o=${s#* }
            if [ "$m" != "$want_mode" ]; then echo "$p: mode $m, want $want_mode"; rc=1; fi
            if [ "$o" != "$want_owner" ]; then echo "$p: owner $o, want $want_owner"; rc=1; fi
            exit "$rc"
            """#
        let apply = "set -e\n" + prelude + #"""
            mkdir -p -- "$p"
            chmod -- "$want_mode" "$p"
            chown -- "$want_owner" "$p"
            """#
        let undo = Snippet.assign("p", path) + "\n" + #"""
            if [ -d "$p" ] && ! rmdir -- "$p" 2>/dev/null; then echo "$p: not empty, kept"; fi
            exit 0
            """#
        let undoCheck = Snippet.assign("p", path) + "\n"
            + Snippet.assign("managed", managedEntries.joined(separator: "\n")) + "\n" + #"""
            [ -d "$p" ] || exit 0
            for e in "$p"/* "$p"/.[!.]* "$p"/..?*; do
              [ -e "$e" ] || [ -L "$e" ] || continue
              printf '%s\n' "$managed" | grep -qxF -- "${e##*/}" || exit 0
            done
            echo "$p: still there (empty, or holding only what fleet removes)"
            exit 1
            """#
        return Step(id: id, title: title ?? "directory \(path)", check: check, apply: apply, undo: undo,
                    undoCheck: undoCheck)
    }
}
