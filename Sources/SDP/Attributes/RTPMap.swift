import ByteText

/// `a=rtpmap`: binds a payload type to an encoding, clock rate and channel count (RFC 8866 §6.6).
public struct RTPMap: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "rtpmap"

    public var payloadType: UInt8
    /// As written (`opus`, `PCMU`, `telephone-event`); compare case-insensitively.
    public var encodingName: String
    public var clockRate: UInt32
    /// The encoding parameters, which for audio are the channel count; nil means one.
    public var channels: UInt8?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, channels: UInt8? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard parts.count == 2, let payloadType = SDPText.uint8(parts[0], maximum: 127) else { return nil }
        let encoding = SDPText.split(parts[1], on: ASCII.slash)
        guard encoding.count == 2 || encoding.count == 3, !encoding[0].isEmpty,
              let rate = SDPText.uint32(encoding[1]) else { return nil }
        var channels: UInt8? = nil
        if encoding.count == 3 {
            guard let count = SDPText.uint8(encoding[2]) else { return nil }
            channels = count
        }
        self.init(payloadType: payloadType, encodingName: encoding[0], clockRate: rate, channels: channels)
    }

    public var attributeValue: String {
        var text = "\(payloadType) \(encodingName)/\(clockRate)"
        if let channels { text += "/\(channels)" }
        return text
    }
}
