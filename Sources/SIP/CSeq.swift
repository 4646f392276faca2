import ByteText
/// The CSeq header (RFC 3261 §20.16): sequence number and method, which together with Call-ID
/// and the tags order requests within a dialog and match responses to requests.
public struct CSeq: Sendable, Equatable, CustomStringConvertible {
    public var sequence: UInt32
    public var method: SIPMethod

    public init(_ sequence: UInt32, _ method: SIPMethod) {
        self.sequence = sequence
        self.method = method
    }

    /// Parses `number method`; a number above 2^32-1 is `.invalidNumber`.
    public init(_ text: String) throws(SIPParseError) {
        var cursor = ByteCursor(text)
        cursor.skipWhitespace()
        let digits = cursor.take(while: ASCII.isDigit)
        guard !digits.isEmpty else {
            throw SIPParseError(.invalidNumber, "CSeq does not start with a number", header: HeaderName.cseq.name)
        }
        guard let value = BoundedNumber.parse(digits, maximum: UInt64(UInt32.max)) else {
            throw SIPParseError(.invalidNumber, "CSeq number out of range", header: HeaderName.cseq.name)
        }
        let beforeGap = cursor.index
        cursor.skipWhitespace()
        guard cursor.index > beforeGap, let method = cursor.token() else {
            throw SIPParseError(.invalidHeaderValue, "CSeq without a method", header: HeaderName.cseq.name)
        }
        cursor.skipWhitespace()
        guard cursor.isAtEnd else {
            throw SIPParseError(.invalidHeaderValue, "unexpected text after CSeq method", header: HeaderName.cseq.name)
        }
        sequence = UInt32(value)
        self.method = SIPMethod(method)
    }

    public var description: String { String(sequence) + " " + method.rawValue }
}
