/// `a=rtcp-fb`: an RTCP feedback message a receiver understands for a payload type or `*` (RFC 4585 §4.2),
/// e.g. `111 transport-cc` or `96 nack pli`.
public struct RTCPFeedback: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "rtcp-fb"

    /// A payload type number or `*` for all.
    public var payloadType: String
    /// `nack`, `ccm`, `ack`, `trr-int`, `transport-cc`, `goog-remb`...
    public var type: String
    /// What follows the type, such as `pli` or `fir`; nil when absent.
    public var parameter: String?

    public init(payloadType: String, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }

    /// True when this feedback applies to `pt`, directly or through the `*` wildcard.
    public func applies(to pt: UInt8) -> Bool {
        payloadType == "*" || SDPText.uint8(payloadType, maximum: 127) == pt
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard parts.count >= 2 else { return nil }
        guard parts[0] == "*" || SDPText.uint8(parts[0], maximum: 127) != nil else { return nil }
        self.init(payloadType: parts[0], type: parts[1],
                  parameter: parts.count > 2 ? parts[2...].joined(separator: " ") : nil)
    }

    public var attributeValue: String {
        var text = "\(payloadType) \(type)"
        if let parameter { text += " \(parameter)" }
        return text
    }
}
