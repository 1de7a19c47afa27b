extension Step {
    /// A kernel module loaded now and at every boot.
    ///
    /// - Check: the module is loaded (`/sys/module/<name>`) or built into the kernel
    ///   (`modules.builtin`), and `/etc/modules-load.d/<name>.conf` holds exactly its name.
    /// - Apply: `modprobe` when not loaded, then writes the whole `.conf` file (a file of its
    ///   own rather than a line appended to a shared one, so re-runs cannot duplicate it).
    /// - Undo: removes the `.conf` file. The module stays loaded: unloading it under a running
    ///   interface would fail or break it, and it is gone after the next boot.
    public static func kernelModule(_ name: String, id: String? = nil) -> Step {
        kernelModule(name, id: id, confDirectory: "/etc/modules-load.d", sysModuleDirectory: "/sys/module",
                     builtinList: "/lib/modules/$(uname -r)/modules.builtin")
    }

    /// The same step with its paths moved, so tests can run it against a temporary directory.
    /// `builtinList` is shell text (it may use `$(uname -r)`), never a value.
    static func kernelModule(_ name: String, id: String?, confDirectory: String, sysModuleDirectory: String,
                             builtinList: String) -> Step {
        let conf = FileScript(path: "\(confDirectory)/\(name).conf", content: .literal("\(name)\n"), mode: "0644",
                              owner: "root:root", sensitive: false, validate: nil, keepOriginal: false)
        // /sys/module spells module names with underscores whatever modprobe was given.
        let prelude = """
            \(Snippet.assign("m", name))
            \(Snippet.assign("sys", "\(sysModuleDirectory)/\(name.replacingOccurrences(of: "-", with: "_"))"))
            loaded() { [ -d "$sys" ] || grep -qF -- "/$m.ko" "\(builtinList)" 2>/dev/null; }

            """
        let loadedCheck = prelude + #"""
            loaded && exit 0
            echo "kernel module $m: not loaded"
            exit 1
            """#
        let load = "set -e\n" + prelude + #"loaded || modprobe -- "$m""#
        return Step(id: id ?? "\(name)-module", title: "kernel module \(name)",
                    check: Snippet.allOf([loadedCheck, conf.check]),
                    apply: Snippet.sequence([load, conf.apply]),
                    undo: conf.undo, undoCheck: conf.undoCheck)
    }
}
