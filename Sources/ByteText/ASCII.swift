// SIP and SDP are ASCII-structured: splitting on the bytes of ASCII delimiters never cuts a UTF-8
// scalar in half, and it sidesteps Swift's grapheme rules (a combining mark after a space would
// otherwise glue the space to the next field). These are the byte steps both grammars share.

/// Delimiters and character classes common to every text protocol Tandem parses.
public enum ASCII {
    public static let space: UInt8 = 0x20
    public static let tab: UInt8 = 0x09
    public static let cr: UInt8 = 0x0D
    public static let lf: UInt8 = 0x0A
    public static let colon: UInt8 = 0x3A
    public static let semicolon: UInt8 = 0x3B
    public static let comma: UInt8 = 0x2C
    public static let dquote: UInt8 = 0x22
    public static let backslash: UInt8 = 0x5C
    public static let lessThan: UInt8 = 0x3C
    public static let greaterThan: UInt8 = 0x3E
    public static let equals: UInt8 = 0x3D
    public static let slash: UInt8 = 0x2F
    public static let at: UInt8 = 0x40
    public static let question: UInt8 = 0x3F
    public static let ampersand: UInt8 = 0x26
    public static let percent: UInt8 = 0x25
    public static let hyphen: UInt8 = 0x2D
    public static let dot: UInt8 = 0x2E
    public static let leftBracket: UInt8 = 0x5B
    public static let rightBracket: UInt8 = 0x5D
    public static let zero: UInt8 = 0x30

    /// SP or HTAB.
    @inlinable public static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    /// SP, HTAB, CR or LF (what a folded header line leaves behind).
    @inlinable public static func isLinearWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
    @inlinable public static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inlinable public static func isAlpha(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    @inlinable public static func isAlphanumeric(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inlinable public static func lowercased(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }

    @inlinable public static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }

    /// ASCII case-insensitive equality, the way tokens, header names and encoding names compare.
    public static func equalsIgnoringCase(_ lhs: some StringProtocol, _ rhs: some StringProtocol) -> Bool {
        lhs.utf8.count == rhs.utf8.count && zip(lhs.utf8, rhs.utf8).allSatisfy { lowercased($0) == lowercased($1) }
    }
}

/// Decimal parsing that never traps: values above `maximum` (or past UInt64) are refused, however
/// many digits the peer sends, which is what keeps ports, payload types and CSeq numbers safe.
public enum BoundedNumber {
    @inlinable
    public static func parse<C: Collection>(_ digits: C, maximum: UInt64) -> UInt64? where C.Element == UInt8 {
        if digits.isEmpty { return nil }
        var value: UInt64 = 0
        for b in digits {
            guard ASCII.isDigit(b) else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(UInt64(b &- 0x30))
            guard !overflowShift, !overflowAdd, sum <= maximum else { return nil }
            value = sum
        }
        return value
    }

    public static func parse(_ text: some StringProtocol, maximum: UInt64) -> UInt64? {
        parse(text.utf8, maximum: maximum)
    }
}

extension String {
    /// Builds a string from wire bytes; invalid UTF-8 becomes U+FFFD rather than failing, because
    /// text from the network is not ours to reject for its encoding alone (and fuzzed input stays harmless).
    @inlinable
    public init<C: Collection>(wireBytes bytes: C) where C.Element == UInt8 {
        self = String(decoding: bytes, as: UTF8.self)
    }
}
