extension InventoryValidator {
    static let extraStepKeys = ["id", "role", "title", "file", "line", "directory", "command"]
    /// The step kinds, of which each step has exactly one.
    static let extraStepKinds = ["file", "line", "directory", "command"]

    /// Reads `extraSteps`: ids are unique and each step has exactly one kind.
    func readExtraSteps(_ elements: [(path: JSONPath, value: JSONValue)]) -> [ExtraStepSpec] {
        var firstWithId: [ExtraStepID: JSONPath] = [:]
        return elements.compactMap { element in
            guard let object = ObjectReader(element.value, at: element.path, allowedKeys: Self.extraStepKeys,
                                            context: context)
            else { return nil }
            let id = object.value("id", required: true, as: ExtraStepID.self)
            if let id {
                if let first = firstWithId[id] {
                    context.error(object.path("id"), "\(ValidationContext.shown(id.rawValue)) is already the id of \(first)")
                } else {
                    firstWithId[id] = element.path
                }
            }
            let roleText = object.choice("role", from: Role.allCases.map(\.rawValue) + ["all"], what: "role")
            let title = object.string("title")
            if title?.isEmpty == true {
                context.error(object.path("title"), "expected a one-line title, found an empty string")
            }
            let kinds = Self.extraStepKinds.filter(object.contains)
            guard kinds.count == 1, let kindKey = kinds.first else {
                let found = kinds.isEmpty ? "none" : kinds.map { "`\($0)`" }.joined(separator: " and ")
                context.error(object.path,
                              "expected exactly one of `file`, `line`, `directory` or `command`, found \(found)")
                return nil
            }
            guard let kind = readKind(kindKey, of: object), let id else { return nil }
            let role = roleText.flatMap(Role.init(rawValue:))  // "all" and absent both mean every device
            return ExtraStepSpec(id: id, title: title ?? id.rawValue, role: role, kind: kind)
        }
    }

    private func readKind(_ key: String, of step: ObjectReader) -> ExtraStepSpec.Kind? {
        switch key {
        case "file":
            guard let object = step.object(key, allowedKeys: ["path", "content", "mode", "owner"]) else { return nil }
            let path = readPath(object), content = object.string("content", required: true, kind: .multiline)
            let mode = readMode(object, default: "0644"), owner = readOwner(object)
            guard let path, let content, let mode, let owner else { return nil }
            return .file(path: path, content: content, mode: mode, owner: owner)
        case "line":
            guard let object = step.object(key, allowedKeys: ["path", "line"]) else { return nil }
            let path = readPath(object), line = object.string("line", required: true)
            guard let path, let line else { return nil }
            return .line(path: path, line: line)
        case "directory":
            guard let object = step.object(key, allowedKeys: ["path", "mode", "owner"]) else { return nil }
            let path = readPath(object), mode = readMode(object, default: "0755"), owner = readOwner(object)
            guard let path, let mode, let owner else { return nil }
            return .directory(path: path, mode: mode, owner: owner)
        default:
            guard let object = step.object(key, allowedKeys: ["check", "apply", "undo"]) else { return nil }
            let check = readCommand(object, "check", required: true)
            let apply = readCommand(object, "apply", required: true)
            let undo = readCommand(object, "undo", required: false)
            guard let check, let apply, object.contains("undo") == (undo != nil) else { return nil }
            return .command(check: check, apply: apply, undo: undo)
        }
    }

    /// An absolute path without `..` components (``AbsolutePathRule``).
    private func readPath(_ object: ObjectReader) -> AbsolutePath? {
        object.value("path", required: true, as: AbsolutePath.self)
    }

    /// An octal mode, kept with four digits (``FileModeRule``).
    private func readMode(_ object: ObjectReader, default defaultMode: FileMode) -> FileMode? {
        guard object.contains("mode") else { return defaultMode }
        return object.value("mode", as: FileMode.self)
    }

    private func readOwner(_ object: ObjectReader) -> FileOwner? {
        guard object.contains("owner") else { return "root:root" }
        return object.value("owner", as: FileOwner.self)
    }

    /// A user-written shell command: any text but NUL, and not empty.
    private func readCommand(_ object: ObjectReader, _ key: String, required: Bool) -> String? {
        guard let command = object.string(key, required: required, kind: .multiline) else { return nil }
        guard !command.allSatisfy(\.isWhitespace) else {
            context.error(object.path(key), "expected a shell command, found an empty string")
            return nil
        }
        return command
    }
}
