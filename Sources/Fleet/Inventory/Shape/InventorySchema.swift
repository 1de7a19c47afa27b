/// The inventory's JSON Schema (2020-12) for editors, written from ``InventoryShape``, the
/// table the loader reads by. `fleet schema` prints it; `inventory/inventory.schema.json` is
/// that output, and a unit test fails when the two differ.
public enum InventorySchema {
    /// The schema as `fleet schema` prints it: two-space indentation, keys in the table's order.
    public static var text: String { document.rendered() + "\n" }

    /// The schema document.
    static var document: JSONValue {
        var writer = Writer()
        var members: [JSONMember] = [
            JSONMember(key: "$schema", value: .string("https://json-schema.org/draft/2020-12/schema")),
            JSONMember(key: "title", value: .string("fleet inventory")),
        ]
        members += writer.schema(.object(InventoryShape.root))
        // Keys required by the liquid-metal playbook only: everywhere unless the playbook is "none".
        let none = JSONValue.object([
            JSONMember(key: "properties", value: .object([
                JSONMember(key: "playbook", value: .object([JSONMember(key: "const", value: .string(PlaybookChoice.none.rawValue))])),
            ])),
            JSONMember(key: "required", value: .array([.string("playbook")])),
        ])
        if let liquidMetal = liquidMetalRequirements(InventoryShape.root) {
            members += [JSONMember(key: "if", value: none), JSONMember(key: "else", value: liquidMetal)]
        }
        members.append(JSONMember(key: "$defs", value: .object(writer.definitions)))
        return .object(members)
    }

    /// `^…$` around a whole-value pattern, with a group when it has alternatives.
    static func anchored(_ pattern: String) -> String {
        pattern.contains("|") ? "^(\(pattern))$" : "^\(pattern)$"
    }

    /// A dotted-quad IPv4 address without leading zeros, as ``IPv4Address`` parses it.
    static let ipv4Pattern = "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    /// An IPv4 network with a prefix of at most /30, as the loader accepts `network.subnet`;
    /// that the host bits are zero is beyond a pattern.
    static let ipv4NetworkPattern = ipv4Pattern + "/([0-9]|[12][0-9]|30)"

    /// The characters a one-line string may hold, and a multi-line one.
    static let linePattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
    static let multilinePattern = "^[^\\u0000]*$"

    /// The `required` and nested `properties` that apply under the liquid-metal playbook.
    static func liquidMetalRequirements(_ shape: ObjectShape) -> JSONValue? {
        var members: [JSONMember] = []
        let required = shape.properties.filter {
            if case .forLiquidMetal = $0.requirement { true } else { false }
        }
        if !required.isEmpty { members.append(JSONMember(key: "required", value: .array(required.map { .string($0.key) }))) }
        var nested: [JSONMember] = []
        for property in shape.properties {
            switch property.shape.resolved {
            case .object(let object):
                if let inner = liquidMetalRequirements(object) { nested.append(JSONMember(key: property.key, value: inner)) }
            case .array(let array):
                if case .object(let object) = array.items.resolved, let inner = liquidMetalRequirements(object) {
                    nested.append(JSONMember(key: property.key, value: .object([JSONMember(key: "items", value: inner)])))
                }
            default: continue
            }
        }
        if !nested.isEmpty { members.append(JSONMember(key: "properties", value: .object(nested))) }
        return members.isEmpty ? nil : .object(members)
    }

    /// Writes shapes, collecting named ones under `$defs` in the order first met.
    struct Writer {
        var definitions: [JSONMember] = []

        mutating func schema(_ shape: ValueShape) -> [JSONMember] {
            switch shape {
            case .text(let text): return Self.text(text)
            case .integer(let integer):
                return [member("type", "integer"), JSONMember(key: "minimum", value: .number(String(integer.range.lowerBound))),
                        JSONMember(key: "maximum", value: .number(String(integer.range.upperBound)))]
            case .boolean: return [member("type", "boolean")]
            case .choice(let choices, _): return [JSONMember(key: "enum", value: .array(choices.map(JSONValue.string)))]
            case .constant(let value, let meaning): return [member("const", value), member("description", meaning)]
            case .ipv4:
                return [member("type", "string"), member("pattern", InventorySchema.anchored(ipv4Pattern)),
                        member("description", "Dotted-quad IPv4 address, no leading zeros.")]
            case .ipv4Network:
                return [member("type", "string"), member("pattern", InventorySchema.anchored(ipv4NetworkPattern))]
            case .object(let object):
                return [member("type", "object")] + objectMembers(object)
            case .array(let array): return arrayMembers(array)
            case .oneOf(let shapes): return [JSONMember(key: "oneOf", value: .array(shapes.map { .object(schema($0)) }))]
            case .anyOf(let shapes): return [JSONMember(key: "anyOf", value: .array(shapes.map { .object(schema($0)) }))]
            case .named(let name, let inner):
                if !definitions.contains(where: { $0.key == name }) {
                    definitions.append(JSONMember(key: name, value: .null))  // holds the place: defs in order met
                    let written = JSONValue.object(schema(inner))
                    if let index = definitions.firstIndex(where: { $0.key == name }) { definitions[index].value = written }
                }
                return [member("$ref", "#/$defs/\(name)")]
            }
        }

        static func text(_ text: TextShape) -> [JSONMember] {
            var members = [member("type", "string")]
            if let pattern = text.pattern {
                members.append(member("pattern", InventorySchema.anchored(pattern)))
                if !text.rule.isEmpty { members.append(member("description", text.rule.prefix(1).uppercased() + text.rule.dropFirst() + ".")) }
            } else {
                members.append(member("pattern", text.kind == .line ? linePattern : multilinePattern))
            }
            if let refused = text.refused {
                members.append(JSONMember(key: "not", value: .object([member("pattern", refused)])))
            }
            if text.nonEmpty != nil { members.append(JSONMember(key: "minLength", value: .number("1"))) }
            // Characters, not bytes: the schema's limit is looser than the loader's where text is not ASCII.
            if let maximum = text.maximumBytes { members.append(JSONMember(key: "maxLength", value: .number(String(maximum.count)))) }
            return members
        }

        mutating func objectMembers(_ object: ObjectShape) -> [JSONMember] {
            var members: [JSONMember] = []
            if let description = object.description { members.append(member("description", description)) }
            var properties: [JSONMember] = []
            for property in object.properties {
                var written = schema(property.shape)
                if let description = property.description {
                    written.removeAll { $0.key == "description" }
                    written.append(member("description", description))
                }
                if let value = property.defaultValue { written.append(JSONMember(key: "default", value: value)) }
                properties.append(JSONMember(key: property.key, value: .object(written)))
            }
            members.append(JSONMember(key: "properties", value: .object(properties)))
            let required = object.properties.filter { $0.requirement == .required }.map { JSONValue.string($0.key) }
            if !required.isEmpty { members.append(JSONMember(key: "required", value: .array(required))) }
            members.append(JSONMember(key: "additionalProperties", value: .bool(false)))
            if !object.exactlyOneOf.isEmpty {
                let choices = object.exactlyOneOf.map { JSONValue.object([JSONMember(key: "required", value: .array([.string($0)]))]) }
                members.append(JSONMember(key: "oneOf", value: .array(choices)))
            }
            return members
        }

        mutating func arrayMembers(_ array: ArrayShape) -> [JSONMember] {
            var members = [member("type", "array")]
            if array.nonEmpty != nil { members.append(JSONMember(key: "minItems", value: .number("1"))) }
            if array.unique { members.append(JSONMember(key: "uniqueItems", value: .bool(true))) }
            members.append(JSONMember(key: "items", value: .object(schema(array.items))))
            if let one = array.exactlyOne {
                let contains = JSONValue.object([
                    member("type", "object"),
                    JSONMember(key: "properties", value: .object([
                        JSONMember(key: one.key, value: .object([member("const", one.value)])),
                    ])),
                    JSONMember(key: "required", value: .array([.string(one.key)])),
                ])
                members += [JSONMember(key: "contains", value: contains), JSONMember(key: "minContains", value: .number("1")),
                            JSONMember(key: "maxContains", value: .number("1"))]
            }
            return members
        }
    }
}

private func member(_ key: String, _ text: String) -> JSONMember { JSONMember(key: key, value: .string(text)) }
