import ByteText

/// `a=fmtp`: format-specific parameters such as Opus's `minptime=10;useinbandfec=1` or
/// telephone-event's `0-16` (RFC 8866 §6.15).
///
/// Parameters are an ordered list so unknown ones survive being read and written back.
public struct FormatParameters: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "fmtp"

    /// One `name=value` pair, or a bare token such as `0-15` (value nil).
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var value: String?

        public init(_ name: String, _ value: String? = nil) {
            self.name = name
            self.value = value
        }

        var text: String { value.map { "\(name)=\($0)" } ?? name }
    }

    /// The format the parameters apply to: a payload type number for RTP.
    public var format: String
    public var parameters: [Parameter]

    public init(format: String, parameters: [Parameter]) {
        self.format = format
        self.parameters = parameters
    }

    public init(payloadType: UInt8, parameters: [Parameter]) {
        self.init(format: String(payloadType), parameters: parameters)
    }

    public var payloadType: UInt8? { SDPText.uint8(format, maximum: 127) }

    /// The value of parameter `name`, matched case-insensitively as codec specs (RFC 7587) name them.
    public subscript(name: String) -> String? {
        parameters.first { ASCII.equalsIgnoringCase($0.name, name) }?.value
    }

    /// True when a parameter named `name` is present, with or without a value.
    public func contains(_ name: String) -> Bool {
        parameters.contains { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// Sets (or with nil removes) parameter `name`, keeping its position when it already exists.
    public mutating func set(_ name: String, _ value: String?) {
        if let value {
            if let index = parameters.firstIndex(where: { ASCII.equalsIgnoringCase($0.name, name) }) {
                parameters[index].value = value
            } else {
                parameters.append(Parameter(name, value))
            }
        } else {
            parameters.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
        }
    }

    public init?(attributeValue: String) {
        let bytes = Array(attributeValue.utf8)
        guard let gap = bytes.firstIndex(where: ASCII.isBlank), gap > 0 else {
            // A format with no parameters is odd but harmless; keep the format.
            let format = SDPText.trimmed(attributeValue)
            guard !format.isEmpty else { return nil }
            self.init(format: format, parameters: [])
            return
        }
        let format = String(wireBytes: bytes[..<gap])
        let list = String(wireBytes: bytes[gap...])
        var parameters: [Parameter] = []
        for piece in SDPText.split(list, on: ASCII.semicolon) {
            let item = SDPText.trimmed(piece)
            if item.isEmpty { continue }
            let (name, value) = SDPText.splitOnce(item, at: ASCII.equals)
            parameters.append(Parameter(SDPText.trimmed(name), value.map(SDPText.trimmed)))
        }
        self.init(format: format, parameters: parameters)
    }

    public var attributeValue: String {
        guard !parameters.isEmpty else { return format }
        return format + " " + parameters.map(\.text).joined(separator: ";")
    }
}
