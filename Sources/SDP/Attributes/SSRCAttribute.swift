import ByteText

/// `a=ssrc`: a property of one RTP source (RFC 5576 §4.1), e.g. `2057932608 cname:Ka7sGSMdij5FtH/k`.
///
/// DESIGN.md: announce only the SSRC really sent; a copied one makes Chrome play silence.
public struct SSRCAttribute: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "ssrc"

    public var ssrc: UInt32
    /// The source attribute name: `cname`, `msid`, `label`...
    public var attribute: String
    /// Everything after the first colon, e.g. `stream track` for msid; nil when absent.
    public var value: String?

    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    public init?(attributeValue: String) {
        let bytes = Array(attributeValue.utf8)
        guard let gap = bytes.firstIndex(where: ASCII.isBlank),
              let ssrc = SDPText.uint32(String(wireBytes: bytes[..<gap])) else { return nil }
        let rest = SDPText.trimmed(String(wireBytes: bytes[gap...]))
        guard !rest.isEmpty else { return nil }
        let (name, value) = SDPText.splitOnce(rest, at: ASCII.colon)
        guard !name.isEmpty else { return nil }
        self.init(ssrc: ssrc, attribute: name, value: value)
    }

    public var attributeValue: String {
        var text = "\(ssrc) \(attribute)"
        if let value { text += ":\(value)" }
        return text
    }
}
