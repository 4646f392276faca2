import ByteText

/// One a= line exactly as received: a name and, for value attributes, everything after the first colon.
///
/// Session and media sections keep these in an ordered list so unknown attributes survive a round trip
/// untouched and in place; every typed view (`candidates`, `fingerprint`, `codecs`, ...) is computed from it.
public struct Attribute: Sendable, Equatable {
    public var name: String
    /// `nil` for property attributes such as `a=rtcp-mux`; an empty string for `a=name:`.
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// Builds the attribute from a typed value, e.g. `Attribute(candidate)`.
    public init<Value: SDPAttributeValue>(_ typed: Value) {
        self.init(Value.attributeName, typed.attributeValue)
    }

    static func parse(_ bytes: ArraySlice<UInt8>) -> Attribute {
        guard let colon = bytes.firstIndex(of: ASCII.colon) else { return Attribute(String(wireBytes: bytes)) }
        return Attribute(String(wireBytes: bytes[..<colon]), String(wireBytes: bytes[(colon + 1)...]))
    }

    var sdpValue: String {
        guard let value else { return name }
        return "\(name):\(value)"
    }
}

/// A line whose type letter RFC 8866 does not define (such as the `y=` some cameras add). Kept, not
/// dropped, so a gateway that relays an SDP does not silently lose what it did not understand.
public struct UnknownLine: Sendable, Equatable {
    public var type: Character
    public var value: String

    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }
}
