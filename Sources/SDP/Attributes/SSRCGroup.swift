/// `a=ssrc-group`: ties RTP sources together by a semantic such as `FID` (retransmission, RFC 5576 §4.2).
public struct SSRCGroup: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "ssrc-group"

    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard let semantics = parts.first else { return nil }
        var ssrcs: [UInt32] = []
        for part in parts.dropFirst() {
            guard let ssrc = SDPText.uint32(part) else { return nil }
            ssrcs.append(ssrc)
        }
        self.init(semantics: semantics, ssrcs: ssrcs)
    }

    public var attributeValue: String {
        ([semantics] + ssrcs.map(String.init)).joined(separator: " ")
    }
}
