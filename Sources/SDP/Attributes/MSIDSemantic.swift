/// `a=msid-semantic`: the session-level declaration that msid is in use, e.g. ` WMS <stream ids>` as
/// Chrome writes it (with a space after the colon, which the raw attribute keeps).
public struct MSIDSemantic: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "msid-semantic"

    /// `WMS` in every browser.
    public var semantic: String
    /// Stream ids, or `*`; may be empty.
    public var identifiers: [String]

    public init(semantic: String = "WMS", identifiers: [String] = []) {
        self.semantic = semantic
        self.identifiers = identifiers
    }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard let semantic = parts.first else { return nil }
        self.init(semantic: semantic, identifiers: Array(parts.dropFirst()))
    }

    public var attributeValue: String {
        ([" " + semantic] + identifiers).joined(separator: " ")
    }
}
