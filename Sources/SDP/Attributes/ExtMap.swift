import ByteText

/// `a=extmap`: maps an RTP header extension URI to a local id (RFC 8285 §8), e.g.
/// `1 urn:ietf:params:rtp-hdrext:ssrc-audio-level` or `2/sendonly <uri> vad=off`.
public struct ExtMap: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "extmap"

    /// 1-14 for one-byte headers, up to 255 with two-byte headers; 4096-4351 appear in offers as
    /// placeholders (RFC 8285 §5), so the whole 16-bit range is accepted.
    public var id: UInt16
    public var direction: MediaDirection?
    public var uri: String
    /// Extension-specific attributes after the URI, such as `vad=off`.
    public var extensionAttributes: String?

    public init(id: UInt16, direction: MediaDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard parts.count >= 2 else { return nil }
        let (idText, directionText) = SDPText.splitOnce(parts[0], at: ASCII.slash)
        guard let id = SDPText.uint16(idText) else { return nil }
        var direction: MediaDirection? = nil
        if let directionText {
            guard let parsed = MediaDirection(rawValue: directionText) else { return nil }
            direction = parsed
        }
        self.init(id: id, direction: direction, uri: parts[1],
                  extensionAttributes: parts.count > 2 ? parts[2...].joined(separator: " ") : nil)
    }

    public var attributeValue: String {
        var text = String(id)
        if let direction { text += "/\(direction.rawValue)" }
        text += " \(uri)"
        if let extensionAttributes { text += " \(extensionAttributes)" }
        return text
    }
}
