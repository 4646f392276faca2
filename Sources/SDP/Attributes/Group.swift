/// `a=group`: media sections grouped by a semantic (RFC 5888), above all `BUNDLE`, which puts every listed
/// mid on one transport (RFC 8843).
public struct Group: Sendable, Equatable, SDPAttributeValue {
    public static let attributeName = "group"
    public static let bundleSemantics = "BUNDLE"

    public var semantics: String
    /// Identification tags (a=mid values) in order; the first is the BUNDLE tag.
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    /// A BUNDLE group of `mids`.
    public static func bundle(_ mids: [String]) -> Group {
        Group(semantics: bundleSemantics, mids: mids)
    }

    public var isBundle: Bool { semantics == Self.bundleSemantics }

    public init?(attributeValue: String) {
        let parts = SDPText.fields(attributeValue)
        guard let semantics = parts.first else { return nil }
        self.init(semantics: semantics, mids: Array(parts.dropFirst()))
    }

    public var attributeValue: String {
        ([semantics] + mids).joined(separator: " ")
    }
}

/// The name DESIGN.md and RFC 8843 use for a BUNDLE `Group`.
public typealias BundleGroup = Group
