/// Why a SIP message, header or URI could not be parsed.
///
/// The transport turns this into `400 <reason>` (or `505`, `513`) for a request, or drops a bad
/// response; `reason` is written to be usable as that reason phrase. `partial` carries what could be read
/// of a malformed message so that a response can still be routed back (RFC 3261 §8.2.6 needs Via,
/// From, To, Call-ID and CSeq even when another header is broken).
public struct SIPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The family of problem, for code that reacts differently (505 for a version, close a stream
    /// on a framing error, and so on).
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Nothing but whitespace or keepalive CRLFs.
        case empty
        /// The message ends before its header section or its body does.
        case truncated
        /// The whole message is larger than `SIPLimits.maxMessageBytes`.
        case messageTooLarge
        /// More header fields than `SIPLimits.maxHeaderCount`.
        case tooManyHeaders
        /// A start line or header longer than `SIPLimits.maxHeaderLineLength`.
        case headerLineTooLong
        /// A Content-Length above `SIPLimits.maxBodyBytes`.
        case bodyTooLarge
        /// The request or status line does not have the expected shape.
        case invalidStartLine
        /// A SIP version other than SIP/2.0 (answer 505).
        case unsupportedVersion
        /// The method is not a token.
        case invalidMethod
        /// A status code outside 100–699 or not three digits.
        case invalidStatusCode
        /// A malformed URI (Request-URI or one inside a header).
        case invalidURI
        /// A header line that is not `name: value` (no colon, bad name, stray CR).
        case invalidHeaderLine
        /// A header value that does not match its grammar.
        case invalidHeaderValue
        /// A number that is not a number or is out of range (CSeq, Content-Length, Expires,
        /// Max-Forwards, nonce count).
        case invalidNumber
        /// A mandatory header is absent.
        case missingHeader
        /// A header that may appear once appears again, or Content-Length values disagree.
        case duplicateHeader
        /// The CSeq method differs from the request method.
        case cseqMethodMismatch
    }

    public var kind: Kind
    /// Short human explanation, ASCII, without any CR/LF: safe as a SIP reason phrase.
    public var reason: String
    /// Canonical name of the header at fault, if one is.
    public var header: String?
    /// Byte offset of the fault from the start of the message (after skipped keepalive CRLFs), if known.
    public var offset: Int?
    /// 1-based line number of the fault, if known.
    public var line: Int?
    /// What could be read of the message before or despite the fault.
    public var partial: PartialMessage?

    public init(_ kind: Kind, _ reason: String, header: String? = nil, offset: Int? = nil,
                line: Int? = nil, partial: PartialMessage? = nil) {
        self.kind = kind
        self.reason = reason
        self.header = header
        self.offset = offset
        self.line = line
        self.partial = partial
    }

    public var description: String {
        var text = "\(kind.rawValue): \(reason)"
        if let header { text += " [header \(header)]" }
        if let line { text += " [line \(line)]" }
        if let offset { text += " [offset \(offset)]" }
        return text
    }

    /// Returns the error with `header` filled in if it was not already.
    func attributed(to name: HeaderName) -> SIPParseError {
        var copy = self
        if copy.header == nil { copy.header = name.name }
        return copy
    }
}

/// The parts of a malformed message that could still be read: enough to answer a request with an
/// error response, or to log what the peer sent.
public struct PartialMessage: Sendable, Equatable {
    /// True when the start line looked like a request (did not begin with `SIP/`).
    public var isRequest: Bool
    /// The request method as written, when the start line had one.
    public var method: String?
    /// The Request-URI text as written (it may be the very thing that was malformed).
    public var requestURI: String?
    /// The status code of a response, when it could be read.
    public var statusCode: Int?
    /// The raw Via, From, To, Call-ID and CSeq fields that were read, in message order.
    public var headers: SIPHeaders

    public init(isRequest: Bool, method: String? = nil, requestURI: String? = nil,
                statusCode: Int? = nil, headers: SIPHeaders = SIPHeaders()) {
        self.isRequest = isRequest
        self.method = method
        self.requestURI = requestURI
        self.statusCode = statusCode
        self.headers = headers
    }
}
