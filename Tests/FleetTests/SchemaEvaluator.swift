@testable import Fleet

/// Just enough of JSON Schema 2020-12 to evaluate `inventory/inventory.schema.json`: the keywords
/// it uses (`type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`,
/// `pattern`, `minLength`/`maxLength`, `minimum`/`maximum`, `minItems`, `uniqueItems`,
/// `contains` with `minContains`/`maxContains`, `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`,
/// local `$ref`). An unknown keyword fails the evaluation, so the schema cannot grow past what
/// this test can judge.
struct SchemaEvaluator {
    let root: JSONValue

    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "default", "$defs", "examples"]

    /// Every place where `instance` breaks `schema`, as `path: keyword` lines; empty when valid.
    func problems(_ instance: JSONValue, _ schema: JSONValue? = nil, at path: String = "$") -> [String] {
        guard case .object(let members) = schema ?? root else {
            if case .bool(let allowed) = schema ?? root { return allowed ? [] : ["\(path): false schema"] }
            return ["\(path): schema is not an object"]
        }
        var found: [String] = []
        func fail(_ keyword: String) { found.append("\(path): \(keyword)") }
        let keywords = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (keyword, value) in keywords {
            switch keyword {
            case _ where Self.annotations.contains(keyword), "then", "else", "minContains", "maxContains":
                continue
            case "$ref":
                guard case .string(let reference) = value, let target = resolve(reference) else { fail("$ref"); continue }
                found += problems(instance, target, at: path)
            case "type":
                let names: [String]
                switch value {
                case .string(let name): names = [name]
                case .array(let items): names = items.compactMap { if case .string(let name) = $0 { name } else { nil } }
                default: names = []
                }
                if !names.contains(where: { Self.has(instance, type: $0) }) { fail("type") }
            case "properties":
                guard case .object(let properties) = value, case .object(let fields) = instance else { continue }
                for property in properties {
                    if let field = fields.first(where: { $0.key == property.key }) {
                        found += problems(field.value, property.value, at: "\(path).\(property.key)")
                    }
                }
            case "required":
                guard case .array(let names) = value, case .object(let fields) = instance else { continue }
                for case .string(let name) in names where !fields.contains(where: { $0.key == name }) { fail("required \(name)") }
            case "additionalProperties":
                guard case .object(let fields) = instance else { continue }
                var known: Set<String> = []
                if case .object(let properties)? = keywords["properties"] { known = Set(properties.map(\.key)) }
                for field in fields where !known.contains(field.key) {
                    found += problems(field.value, value, at: "\(path).\(field.key)")
                }
            case "items":
                guard case .array(let elements) = instance else { continue }
                for (index, element) in elements.enumerated() { found += problems(element, value, at: "\(path)[\(index)]") }
            case "enum":
                guard case .array(let choices) = value else { fail("enum"); continue }
                if !choices.contains(instance) { fail("enum") }
            case "const":
                if value != instance { fail("const") }
            case "pattern":
                guard case .string(let text) = instance else { continue }
                guard case .string(let pattern) = value, let regex = try? Regex(pattern) else { fail("pattern (bad)"); continue }
                if (try? regex.matchingSemantics(.unicodeScalar).firstMatch(in: text)) == nil { fail("pattern") }
            case "minLength", "maxLength":
                guard case .string(let text) = instance, let limit = value.integerLiteral ?? nil else { continue }
                let count = text.unicodeScalars.count
                if keyword == "minLength" ? count < limit : count > limit { fail(keyword) }
            case "minimum", "maximum":
                guard case .number(let text) = instance, let number = Double(text), case .number(let bound) = value,
                    let limit = Double(bound) else { continue }
                if keyword == "minimum" ? number < limit : number > limit { fail(keyword) }
            case "minItems":
                guard case .array(let elements) = instance, let limit = value.integerLiteral ?? nil else { continue }
                if elements.count < limit { fail(keyword) }
            case "uniqueItems":
                guard case .array(let elements) = instance, value == .bool(true) else { continue }
                for (index, element) in elements.enumerated() where elements[..<index].contains(element) { fail(keyword) }
            case "contains":
                guard case .array(let elements) = instance else { continue }
                let matching = elements.filter { problems($0, value, at: path).isEmpty }.count
                let least = keywords["minContains"].flatMap { $0.integerLiteral ?? nil } ?? 1
                let most = keywords["maxContains"].flatMap { $0.integerLiteral ?? nil } ?? Int.max
                if matching < least || matching > most { fail("contains (\(matching) match)") }
            case "allOf", "anyOf", "oneOf":
                guard case .array(let schemas) = value else { fail(keyword); continue }
                let passing = schemas.filter { problems(instance, $0, at: path).isEmpty }.count
                let ok = keyword == "allOf" ? passing == schemas.count : keyword == "anyOf" ? passing > 0 : passing == 1
                if !ok { fail("\(keyword) (\(passing) of \(schemas.count) pass)") }
            case "not":
                if problems(instance, value, at: path).isEmpty { fail("not") }
            case "if":
                let branch = problems(instance, value, at: path).isEmpty ? keywords["then"] : keywords["else"]
                if let branch { found += problems(instance, branch, at: path) }
            default:
                fail("unknown keyword \(keyword)")
            }
        }
        return found
    }

    static func has(_ instance: JSONValue, type name: String) -> Bool {
        switch (name, instance) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
             ("number", .number): true
        case ("integer", .number): instance.integerLiteral != nil
        default: false
        }
    }

    /// `#/$defs/name` (only local references).
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node = root
        for part in reference.dropFirst(2).split(separator: "/") {
            guard case .object(let members) = node, let next = members.first(where: { $0.key == part })?.value else { return nil }
            node = next
        }
        return node
    }
}
