import ByteText
/// A URI as SIP carries it: a SIP/SIPS URI, a TEL URI, or any other absolute URI, which is kept
/// opaque (RFC 3261 lets a Request-URI or To header hold schemes nobody here understands, and a
/// parser must not reject them: RFC 4475 §3.3.2).
public enum URI: Sendable, Equatable, CustomStringConvertible {
    case sip(SIPURI)
    case tel(TelURI)
    /// Another scheme; `rest` is everything after the colon, unparsed.
    case other(scheme: String, rest: String)

    /// Parses a URI from text (no surrounding `<>`).
    public init(_ text: String) throws(SIPParseError) {
        let bytes = Array(text.utf8)
        self = try URI.parse(bytes[...])
    }

    /// The SIP or SIPS URI, if this is one.
    public var sipURI: SIPURI? {
        if case .sip(let uri) = self { return uri }
        return nil
    }

    /// The scheme in lowercase: `sip`, `sips`, `tel`, or whatever an opaque URI had.
    public var scheme: String {
        switch self {
        case .sip(let uri): return uri.isSecure ? "sips" : "sip"
        case .tel: return "tel"
        case .other(let scheme, _): return scheme.lowercased()
        }
    }

    public var description: String {
        switch self {
        case .sip(let uri): return uri.description
        case .tel(let uri): return uri.description
        case .other(let scheme, let rest): return scheme + ":" + rest
        }
    }

    static func parse(_ bytes: ArraySlice<UInt8>) throws(SIPParseError) -> URI {
        var i = bytes.startIndex
        guard i < bytes.endIndex, ASCII.isAlpha(bytes[i]) else {
            throw SIPParseError(.invalidURI, "URI does not start with a scheme")
        }
        while i < bytes.endIndex, ASCII.isAlpha(bytes[i]) || ASCII.isDigit(bytes[i])
                || bytes[i] == 0x2B || bytes[i] == 0x2D || bytes[i] == 0x2E {
            i += 1
        }
        guard i < bytes.endIndex, bytes[i] == ASCII.colon else {
            throw SIPParseError(.invalidURI, "URI scheme is not followed by a colon")
        }
        let scheme = String(wireBytes: bytes[bytes.startIndex..<i])
        let rest = bytes[(i + 1)...]
        switch scheme.lowercased() {
        case "sip": return .sip(try SIPURI.parse(rest, secure: false))
        case "sips": return .sip(try SIPURI.parse(rest, secure: true))
        case "tel": return .tel(try TelURI.parse(rest))
        default:
            guard !rest.isEmpty else { throw SIPParseError(.invalidURI, "empty \(scheme) URI") }
            for b in rest where b <= 0x20 || b == 0x7F || b == ASCII.lessThan
                || b == ASCII.greaterThan || b == ASCII.dquote {
                throw SIPParseError(.invalidURI, "invalid character in \(scheme) URI")
            }
            return .other(scheme: scheme, rest: String(wireBytes: rest))
        }
    }
}

/// Percent-escaping as URIs use it (RFC 3261 §19.1.2, RFC 3986 §2.1).
enum URIEscaping {
    /// Resolves `%HH` escapes after checking every other byte belongs to `allowed`.
    static func unescape(_ bytes: ArraySlice<UInt8>, allowed: [Bool], part: String) throws(SIPParseError) -> String {
        if !bytes.contains(ASCII.percent) {
            guard bytes.allSatisfy({ allowed[Int($0)] }) else {
                throw SIPParseError(.invalidURI, "invalid character in URI \(part)")
            }
            return String(wireBytes: bytes)
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == ASCII.percent {
                guard i + 2 < bytes.endIndex,
                      let hi = ASCII.hexValue(bytes[i + 1]), let lo = ASCII.hexValue(bytes[i + 2]) else {
                    throw SIPParseError(.invalidURI, "bad %-escape in URI \(part)")
                }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                guard allowed[Int(b)] else {
                    throw SIPParseError(.invalidURI, "invalid character in URI \(part)")
                }
                out.append(b)
                i += 1
            }
        }
        return String(wireBytes: out)
    }

    /// Escapes every byte outside `allowed` (and `%` itself).
    static func escape(_ text: String, allowed: [Bool]) -> String {
        if text.utf8.allSatisfy({ allowed[Int($0)] && $0 != ASCII.percent }) { return text }
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for b in text.utf8 {
            if allowed[Int(b)] && b != ASCII.percent {
                out.append(b)
            } else {
                out.append(ASCII.percent)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return String(wireBytes: out)
    }
}
