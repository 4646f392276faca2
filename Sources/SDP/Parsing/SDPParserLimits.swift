/// Upper bounds the parser enforces before doing any work proportional to input size.
///
/// SDP arrives from untrusted peers; a bound on size keeps one hostile INVITE from costing much.
public struct SDPParserLimits: Sendable, Equatable {
    /// Largest accepted input in bytes. Chrome's offers with many transceivers stay well under this.
    public var maximumBytes: Int
    /// Largest number of m= sections.
    public var maximumMediaSections: Int

    public init(maximumBytes: Int = 256 * 1024, maximumMediaSections: Int = 1024) {
        self.maximumBytes = maximumBytes
        self.maximumMediaSections = maximumMediaSections
    }

    public static let `default` = SDPParserLimits()
}
