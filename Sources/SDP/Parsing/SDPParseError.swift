/// Why a session description could not be parsed, and on which line.
///
/// Thrown only for structurally broken input; sloppy but understandable SDP from real phones is accepted.
public struct SDPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of problem, stable enough for callers and tests to switch on.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case empty
        case tooLarge
        case missingVersion
        case unsupportedVersion
        case missingOrigin
        case lineWithoutEquals
        case invalidLineType
        case misplacedLine
        case duplicateLine
        case malformedOrigin
        case malformedConnection
        case unsupportedAddressType
        case malformedBandwidth
        case malformedTiming
        case malformedMedia
        case invalidPort
        case invalidPayloadType
        case malformedAttribute
    }

    public var kind: Kind
    /// 1-based line number in the input; 0 when the problem is the input as a whole.
    public var line: Int
    /// A human-readable explanation, naming the offending text where that helps.
    public var detail: String

    public init(_ kind: Kind, line: Int, detail: String) {
        self.kind = kind
        self.line = line
        self.detail = detail
    }

    public var description: String {
        line > 0 ? "SDP line \(line): \(detail)" : "SDP: \(detail)"
    }
}
