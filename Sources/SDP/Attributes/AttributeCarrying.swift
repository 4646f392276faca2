/// Anything holding an ordered a= list: the session section and every media section. The typed accessors
/// in the `AttributeCarrying+*.swift` files are written once here and read either level.
public protocol AttributeCarrying {
    var attributes: [Attribute] { get set }
}

extension SessionDescription: AttributeCarrying {}
extension MediaDescription: AttributeCarrying {}

extension AttributeCarrying {
    /// The value of the first attribute named `name`; `.some(nil)` for a property attribute.
    public func attributeValue(_ name: String) -> String?? {
        attributes.first { $0.name == name }.map(\.value)
    }

    /// The values of every attribute named `name`, in order.
    public func attributeValues(_ name: String) -> [String] {
        attributes.compactMap { $0.name == name ? $0.value : nil }
    }

    /// True when an attribute named `name` is present, with or without a value.
    public func hasAttribute(_ name: String) -> Bool {
        attributes.contains { $0.name == name }
    }

    /// Every well-formed value of a typed attribute, in order; malformed ones are skipped.
    public func values<Value: SDPAttributeValue>(of type: Value.Type) -> [Value] {
        attributes.compactMap { attribute in
            guard attribute.name == Value.attributeName, let text = attribute.value else { return nil }
            return Value(attributeValue: text)
        }
    }

    /// The first well-formed value of a typed attribute.
    public func firstValue<Value: SDPAttributeValue>(of type: Value.Type) -> Value? {
        for attribute in attributes where attribute.name == Value.attributeName {
            if let text = attribute.value, let value = Value(attributeValue: text) { return value }
        }
        return nil
    }

    public mutating func appendAttribute(_ name: String, _ value: String? = nil) {
        attributes.append(Attribute(name, value))
    }

    public mutating func appendAttribute<Value: SDPAttributeValue>(_ value: Value) {
        attributes.append(Attribute(value))
    }

    public mutating func removeAttributes(named name: String) {
        attributes.removeAll { $0.name == name }
    }

    /// Replaces every attribute named `name` with one carrying `value`, at the first one's position so
    /// the rest of the list keeps its order; appends when there was none; removes all when `present` is false.
    public mutating func setAttribute(_ name: String, _ value: String?, present: Bool = true) {
        guard present else {
            removeAttributes(named: name)
            return
        }
        if let index = attributes.firstIndex(where: { $0.name == name }) {
            attributes[index] = Attribute(name, value)
            var seen = false
            attributes.removeAll { attribute in
                guard attribute.name == name else { return false }
                defer { seen = true }
                return seen
            }
        } else {
            attributes.append(Attribute(name, value))
        }
    }

    /// Sets a single-valued typed attribute such as `a=setup` or `a=fingerprint`; nil removes it.
    public mutating func setValue<Value: SDPAttributeValue>(_ value: Value?) {
        setAttribute(Value.attributeName, value?.attributeValue, present: value != nil)
    }

    func flag(_ name: String) -> Bool { hasAttribute(name) }

    mutating func setFlag(_ name: String, _ on: Bool) {
        setAttribute(name, nil, present: on)
    }

    func stringValue(_ name: String) -> String? {
        attributeValue(name).flatMap { $0 }.map(SDPText.trimmed)
    }

    mutating func setStringValue(_ name: String, _ value: String?) {
        setAttribute(name, value, present: value != nil)
    }
}
