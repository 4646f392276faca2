import ByteText
/// Typed access to single-valued headers: Call-ID, CSeq, Max-Forwards, Expires, Content-Length,
/// User-Agent and Server.
extension SIPHeaders {
    public func callID() throws(SIPParseError) -> String {
        guard let value = self[.callID] else {
            throw SIPParseError(.missingHeader, "Missing Call-ID header", header: HeaderName.callID.name)
        }
        guard !value.isEmpty, !value.utf8.contains(where: ASCII.isLinearWhitespace) else {
            throw SIPParseError(.invalidHeaderValue, "Invalid Call-ID", header: HeaderName.callID.name)
        }
        return value
    }

    public mutating func setCallID(_ callID: String) { set(.callID, callID) }

    public func cseq() throws(SIPParseError) -> CSeq {
        guard let value = self[.cseq] else {
            throw SIPParseError(.missingHeader, "Missing CSeq header", header: HeaderName.cseq.name)
        }
        return try CSeq(value)
    }

    public mutating func setCSeq(_ cseq: CSeq) { set(.cseq, cseq.description) }

    /// Max-Forwards (0–255), nil when absent.
    public func maxForwards() throws(SIPParseError) -> Int? {
        try number(.maxForwards, maximum: 255).map { Int($0) }
    }

    public mutating func setMaxForwards(_ value: Int) { set(.maxForwards, String(value)) }

    /// Expires in seconds (up to 2^32-1), nil when absent.
    public func expires() throws(SIPParseError) -> UInt32? {
        try number(.expires, maximum: UInt64(UInt32.max)).map { UInt32($0) }
    }

    public mutating func setExpires(_ seconds: UInt32) { set(.expires, String(seconds)) }

    /// Content-Length as written, nil when absent. Serialization always writes the body's real length.
    public func contentLength() throws(SIPParseError) -> Int? {
        try number(.contentLength, maximum: UInt64(Int32.max)).map { Int($0) }
    }

    public var userAgent: String? {
        get { self[.userAgent] }
        set { self[.userAgent] = newValue }
    }

    public var server: String? {
        get { self[.server] }
        set { self[.server] = newValue }
    }

    private func number(_ name: HeaderName, maximum: UInt64) throws(SIPParseError) -> UInt64? {
        guard let value = self[name] else { return nil }
        guard let number = BoundedNumber.parse(value, maximum: maximum) else {
            throw SIPParseError(.invalidNumber, "Invalid \(name.name) value", header: name.name)
        }
        return number
    }
}
