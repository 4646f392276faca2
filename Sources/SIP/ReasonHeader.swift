import ByteText

/// One value of a Reason header (RFC 3326): which protocol's code ended a call and why, as in
/// `Reason: SIP;cause=487;text="Request Terminated"` or `Q.850;cause=16`.
public struct Reason: Sendable, Equatable, CustomStringConvertible {
    /// `SIP`, `Q.850`, or another registered protocol, as written.
    public var `protocol`: String
    public var cause: Int?
    /// The text, unquoted.
    public var text: String?
    public var parameters: SIPParameters

    public init(protocol: String = "SIP", cause: Int?, text: String? = nil) {
        self.protocol = `protocol`
        self.cause = cause
        self.text = text
        parameters = SIPParameters()
    }

    public init(_ text: String) throws(SIPParseError) {
        let header = HeaderName.reason
        let parsed = try ParameterizedValue.parse(text, header, value: ByteClass.isToken)
        `protocol` = parsed.value
        var rest = parsed.parameters
        if let value = rest["cause"] {
            guard let cause = BoundedNumber.parse(value, maximum: 65_535) else {
                throw SIPParseError(.invalidNumber, "Reason cause is not a number", header: header.name)
            }
            self.cause = Int(cause)
        } else {
            cause = nil
        }
        self.text = rest.unquoted("text")
        rest.remove("cause")
        rest.remove("text")
        parameters = rest
    }

    public var description: String {
        var params = SIPParameters()
        if let cause { params.set("cause", value: String(cause)) }
        if let text { params.setQuoted("text", text) }
        return `protocol` + params.serialized + parameters.serialized
    }
}

extension SIPHeaders {
    /// Every Reason value across the Reason headers (one per protocol at most, RFC 3326 §2).
    public func reasons() throws(SIPParseError) -> [Reason] {
        var result: [Reason] = []
        for element in listValues(.reason) { result.append(try Reason(element)) }
        return result
    }

    public mutating func addReason(_ reason: Reason) { add(.reason, reason.description) }
}
