import ByteText
/// A `tel:` URI (RFC 3966): a telephone number with parameters, as carriers and dialplans use.
public struct TelURI: Sendable, Equatable, CustomStringConvertible {
    /// The number as written, visual separators included (`+1-212-555-0100`).
    public var number: String
    public var parameters: SIPParameters

    public init(number: String, parameters: SIPParameters = SIPParameters()) {
        self.number = number
        self.parameters = parameters
    }

    /// True for a global number (starting with `+`).
    public var isGlobal: Bool { number.hasPrefix("+") }

    /// The number without visual separators, e.g. `+12125550100`.
    public var digits: String {
        String(number.filter { !"-.()".contains($0) })
    }

    public var description: String { "tel:" + number + parameters.serialized }

    static func parse(_ bytes: ArraySlice<UInt8>) throws(SIPParseError) -> TelURI {
        var i = bytes.startIndex
        let end = bytes.endIndex
        if i < end, bytes[i] == 0x2B { i += 1 }
        let digitsStart = i
        while i < end {
            let b = bytes[i]
            guard ASCII.hexValue(b) != nil || b == 0x2A || b == 0x23 || b == 0x2D || b == 0x2E
                    || b == 0x28 || b == 0x29 else { break }
            i += 1
        }
        guard i > digitsStart else { throw SIPParseError(.invalidURI, "TEL URI without a number") }
        let number = String(wireBytes: bytes[bytes.startIndex..<i])
        let (parameters, after) = try SIPURI.parseURIParameters(bytes, from: i)
        guard after == end else { throw SIPParseError(.invalidURI, "unexpected character in TEL URI") }
        return TelURI(number: number, parameters: parameters)
    }
}
