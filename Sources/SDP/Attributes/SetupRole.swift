/// `a=setup`: which side opens the DTLS (or TCP) connection (RFC 4145, RFC 5763 for DTLS-SRTP).
public enum SetupRole: String, Sendable, Equatable, CaseIterable, SDPAttributeValue {
    case active
    case passive
    case actpass
    case holdconn

    public static let attributeName = "setup"

    public init?(attributeValue: String) {
        self.init(rawValue: SDPText.trimmed(attributeValue).lowercased())
    }

    public var attributeValue: String { rawValue }

    /// The role an answer takes to an offer carrying this one (RFC 5763 §5): an `actpass` offer leaves the
    /// choice to the answerer, who is passed `preferred` (`active` is what RFC 8842 recommends).
    public func answer(preferring preferred: SetupRole = .active) -> SetupRole {
        switch self {
        case .active: return .passive
        case .passive: return .active
        case .actpass: return preferred == .passive ? .passive : .active
        case .holdconn: return .holdconn
        }
    }
}
