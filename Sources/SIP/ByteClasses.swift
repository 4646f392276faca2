/// Character classes of the RFC 3261 grammar, looked up per byte.
///
/// A table per class keeps the hot loops of the parser to one load and one test per byte.
enum ByteClass {
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let dquote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let lessThan: UInt8 = 0x3C
    static let greaterThan: UInt8 = 0x3E
    static let equals: UInt8 = 0x3D
    static let slash: UInt8 = 0x2F
    static let at: UInt8 = 0x40
    static let question: UInt8 = 0x3F
    static let ampersand: UInt8 = 0x26
    static let percent: UInt8 = 0x25
    static let leftBracket: UInt8 = 0x5B
    static let rightBracket: UInt8 = 0x5D

    private static func table(_ member: (UInt8) -> Bool) -> [Bool] {
        (0...255).map { member(UInt8($0)) }
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// RFC 3261 `token`.
    static let token: [Bool] = table { b in
        isAlphanumeric(b) || "-.!%*_+`'~".utf8.contains(b)
    }

    /// RFC 3261 `unreserved` (alphanum / mark).
    static let unreserved: [Bool] = table { b in
        isAlphanumeric(b) || "-_.!~*'()".utf8.contains(b)
    }

    /// Bytes allowed unescaped in the user part of a SIP URI.
    static let userChar: [Bool] = table { b in
        unreserved[Int(b)] || "&=+$,;?/".utf8.contains(b)
    }

    /// Bytes allowed unescaped in the password part of a SIP URI.
    static let passwordChar: [Bool] = table { b in
        unreserved[Int(b)] || "&=+$,".utf8.contains(b)
    }

    /// Bytes allowed in a URI parameter name or value (`paramchar`, with `%` for escapes).
    static let paramChar: [Bool] = table { b in
        unreserved[Int(b)] || "[]/:&+$%".utf8.contains(b)
    }

    /// Bytes allowed in a URI header name or value (`hnv-unreserved` / unreserved, `%` for escapes).
    static let headerChar: [Bool] = table { b in
        unreserved[Int(b)] || "[]/?:+$%".utf8.contains(b)
    }

    /// Bytes of a host name or IPv4 address; `_` is not in the grammar but appears in real traffic.
    static let hostChar: [Bool] = table { b in
        isAlphanumeric(b) || b == 0x2D || b == 0x2E || b == 0x5F
    }

    /// Bytes that may follow `=` unquoted in a header parameter: generous, since `gen-value` covers
    /// tokens, hosts (IPv6 references included) and real traffic strays beyond both.
    static let genericValueChar: [Bool] = table { b in
        b > 0x20 && b != 0x7F && !";,\"<>".utf8.contains(b)
    }

    @inline(__always) static func isToken(_ b: UInt8) -> Bool {
        // A switch rather than the table: no lazy-global check in the parser's hottest loop.
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x2D, 0x2E, 0x21, 0x25, 0x2A, 0x5F, 0x2B, 0x60, 0x27, 0x7E: return true
        default: return false
        }
    }
    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool { b == sp || b == htab }
    @inline(__always) static func isLinearWhitespace(_ b: UInt8) -> Bool {
        b == sp || b == htab || b == cr || b == lf
    }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
    @inline(__always) static func lowercased(_ b: UInt8) -> UInt8 {
        (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
    }
    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

/// Decimal parsing that never traps: values above `maximum` are rejected rather than overflowing,
/// however many digits the peer sends.
enum BoundedNumber {
    static func parse<C: Collection>(_ digits: C, maximum: UInt64) -> UInt64? where C.Element == UInt8 {
        if digits.isEmpty { return nil }
        var value: UInt64 = 0
        for b in digits {
            guard ByteClass.isDigit(b) else { return nil }
            // maximum is far below UInt64.max / 10, so this multiply cannot overflow.
            value = value * 10 + UInt64(b - 0x30)
            if value > maximum { return nil }
        }
        return value
    }

    static func parse(_ text: String, maximum: UInt64) -> UInt64? {
        parse(text.utf8, maximum: maximum)
    }
}

extension String {
    /// Builds a string from wire bytes; invalid UTF-8 becomes U+FFFD rather than failing, because
    /// header text from the network is not ours to reject for its encoding alone.
    init<C: Collection>(wireBytes bytes: C) where C.Element == UInt8 {
        self = String(decoding: bytes, as: UTF8.self)
    }

    /// True when every byte is a `token` byte and there is at least one.
    var isSIPToken: Bool {
        !isEmpty && utf8.allSatisfy(ByteClass.isToken)
    }
}
