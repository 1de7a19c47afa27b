/// The keys of one inventory object, each with its shape, whether it must be present, a
/// description and a default for the schema.
struct ObjectShape: Sendable {
    /// The keys in the order the schema lists them.
    var properties: [Property]
    /// What the object is, for the schema.
    var description: String?
    /// Keys of which exactly one must be present (`authKeyEnv` or `authKeyFile`); the loader
    /// says so in one message.
    var exactlyOneOf: [String] = []

    /// The allowed keys.
    var keys: [String] { properties.map(\.key) }

    /// The property `key`; asking for a key the shape does not have is a slip in fleet's code,
    /// caught by any test that reads such an object.
    subscript(key: String) -> Property {
        guard let property = properties.first(where: { $0.key == key }) else {
            preconditionFailure("`\(key)` is not a key of this inventory object")
        }
        return property
    }
}

/// One key of an ``ObjectShape``.
struct Property: Sendable {
    /// When a key must be present.
    enum Requirement: Sendable, Equatable {
        /// May be left out.
        case optional
        /// Must be present.
        case required
        /// Must be present when the playbook is liquid-metal, for the reason given.
        case forLiquidMetal(because: String)
    }

    /// The key.
    var key: String
    /// Its value's shape.
    var shape: ValueShape
    /// Whether it must be present.
    var requirement: Requirement = .optional
    /// What it means, for the schema.
    var description: String?
    /// The value fleet uses when the key is absent, for the schema.
    var defaultValue: JSONValue?

    init(_ key: String, _ shape: ValueShape, _ requirement: Requirement = .optional, description: String? = nil,
         default defaultValue: JSONValue? = nil) {
        self.key = key
        self.shape = shape
        self.requirement = requirement
        self.description = description
        self.defaultValue = defaultValue
    }
}
