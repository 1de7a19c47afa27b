/// The id of an extra step from the inventory: it names the step in reports, `--only`/`--skip`
/// and the JSON output, and must not collide with a playbook step's.
public typealias ExtraStepID = InventoryValue<ExtraStepIDRule>

/// A DNS-label-like word, so that it reads the same in every report and needs no quoting.
public enum ExtraStepIDRule: InventoryRule {
    public static let pattern = "[a-z0-9][a-z0-9-]{0,62}"
    public static let what = "step id"
    public static let rule = "1 to 63 lowercase letters, digits or '-', starting with a letter or digit"
}

/// An absolute path on a device, for an extra step's file, line or directory.
public typealias AbsolutePath = InventoryValue<AbsolutePathRule>

/// Letters, digits and `. _ / @ + -` only, and no `..` component: the path goes into remote
/// commands quoted, and must also stay where it says.
public enum AbsolutePathRule: InventoryRule {
    public static let pattern = "/[A-Za-z0-9._/@+-]*"
    public static let what = "path"
    public static let rule = "an absolute path of letters, digits and . _ / @ + -"

    public static func refusal(of text: String) -> String? {
        text.split(separator: "/").contains("..")
            ? "contains a '..' component; expected a path that stays where it says" : nil
    }

    public static let refusedPattern: String? = "(^|/)\\.\\.(/|$)"
}

/// An octal file mode, always kept with four digits.
public typealias FileMode = InventoryValue<FileModeRule>

/// Three or four octal digits; `644` is kept as `0644`, as `stat -c %a` is compared against it.
public enum FileModeRule: InventoryRule {
    public static let pattern = "0?[0-7]{3}|[0-7]{4}"
    public static let what = "file mode"
    public static let rule = "3 or 4 octal digits, such as 0644"

    public static func canonical(_ text: String) -> String { text.count == 3 ? "0" + text : text }
}

/// The `user:group` owning an extra step's file or directory.
public typealias FileOwner = InventoryValue<FileOwnerRule>

/// Login-name-like words on both sides of the colon, as `chown` takes them.
public enum FileOwnerRule: InventoryRule {
    public static let pattern = "[a-z_][a-z0-9_-]*:[a-z_][a-z0-9_-]*"
    public static let what = "owner"
    public static let rule = "user:group in lowercase letters, digits, '_' or '-', such as root:root"
}
