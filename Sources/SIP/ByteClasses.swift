import ByteText

/// Character classes of the RFC 3261 grammar, looked up per byte.
///
/// A table per class keeps the hot loops of the parser to one load and one test per byte.
enum ByteClass {
    private static func table(_ member: (UInt8) -> Bool) -> [Bool] {
        (0...255).map { member(UInt8($0)) }
    }

    /// RFC 3261 `token`.
    static let token: [Bool] = table { b in
        ASCII.isAlphanumeric(b) || "-.!%*_+`'~".utf8.contains(b)
    }

    /// RFC 3261 `unreserved` (alphanum / mark).
    static let unreserved: [Bool] = table { b in
        ASCII.isAlphanumeric(b) || "-_.!~*'()".utf8.contains(b)
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
        ASCII.isAlphanumeric(b) || b == 0x2D || b == 0x2E || b == 0x5F
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
}

extension String {
    /// True when every byte is a `token` byte and there is at least one.
    var isSIPToken: Bool {
        !isEmpty && utf8.allSatisfy(ByteClass.isToken)
    }
}
