extension InventoryValidator {
    /// Reads `extraSteps`: ids are unique and each step has exactly one kind.
    func readExtraSteps(_ elements: [(path: JSONPath, value: JSONValue)]) -> [ExtraStepSpec] {
        var firstWithId: [ExtraStepID: JSONPath] = [:]
        return elements.compactMap { element in
            guard let object = ObjectReader(element.value, at: element.path,
                                            shape: InventoryShape.extraStepFields, context: context)
            else { return nil }
            let id = object.value("id", as: ExtraStepID.self)
            if let id {
                if let first = firstWithId[id] {
                    context.error(object.path("id"), "\(ValidationContext.shown(id.rawValue)) is already the id of \(first)")
                } else {
                    firstWithId[id] = element.path
                }
            }
            let roleText = object.choice("role")
            let title = object.string("title")
            // The step kinds, of which each step has exactly one.
            let kinds = object.shape.exactlyOneOf.filter(object.contains)
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
            guard let object = step.object(key) else { return nil }
            let path = readPath(object), content = object.string("content")
            let mode = object.valueOrDefault("mode", as: FileMode.self)
            let owner = object.valueOrDefault("owner", as: FileOwner.self)
            guard let path, let content, let mode, let owner else { return nil }
            return .file(path: path, content: content, mode: mode, owner: owner)
        case "line":
            guard let object = step.object(key) else { return nil }
            let path = readPath(object), line = object.string("line")
            guard let path, let line else { return nil }
            return .line(path: path, line: line)
        case "directory":
            guard let object = step.object(key) else { return nil }
            let path = readPath(object), mode = object.valueOrDefault("mode", as: FileMode.self)
            let owner = object.valueOrDefault("owner", as: FileOwner.self)
            guard let path, let mode, let owner else { return nil }
            return .directory(path: path, mode: mode, owner: owner)
        default:
            guard let object = step.object(key) else { return nil }
            let check = readCommand(object, "check")
            let apply = readCommand(object, "apply")
            let undo = readCommand(object, "undo")
            guard let check, let apply, object.contains("undo") == (undo != nil) else { return nil }
            return .command(check: check, apply: apply, undo: undo)
        }
    }

    /// An absolute path without `..` components (``AbsolutePathRule``).
    private func readPath(_ object: ObjectReader) -> AbsolutePath? {
        object.value("path", as: AbsolutePath.self)
    }

    /// A user-written shell command: any text but NUL, and not only white space.
    private func readCommand(_ object: ObjectReader, _ key: String) -> String? {
        guard let command = object.string(key) else { return nil }
        guard !command.allSatisfy(\.isWhitespace) else {
            context.error(object.path(key), "expected a shell command, found an empty string")
            return nil
        }
        return command
    }
}
