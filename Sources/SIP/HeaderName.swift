import ByteText
/// A header field name: compared without regard to case, with compact forms (RFC 3261 §7.3.3)
/// expanded, and serialized in the canonical spelling when the header is a known one.
public struct HeaderName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The spelling used on the wire: canonical for known headers, as received otherwise.
    public let name: String
    /// Lowercased full name; the identity used for comparisons.
    let key: String
    /// Index among the known names, -1 for others: lets the parser's many comparisons against
    /// `.via`, `.from`... be an integer compare.
    let id: Int16

    /// Makes a name from any spelling, expanding compact forms: `HeaderName("i") == .callID`.
    public init(_ text: String) {
        let lower = text.lowercased()
        if let known = HeaderName.known[lower] {
            self = known
        } else {
            name = text
            key = lower
            id = -1
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    private init(canonical: String, id: Int16) {
        name = canonical
        key = canonical.lowercased()
        self.id = id
    }

    public var description: String { name }

    public static func == (lhs: HeaderName, rhs: HeaderName) -> Bool {
        lhs.id == rhs.id && (lhs.id >= 0 || lhs.key == rhs.key)
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    public static let accept = HeaderName(canonical: "Accept", id: 1)
    public static let acceptContact = HeaderName(canonical: "Accept-Contact", id: 2)
    public static let allow = HeaderName(canonical: "Allow", id: 3)
    public static let allowEvents = HeaderName(canonical: "Allow-Events", id: 4)
    public static let authorization = HeaderName(canonical: "Authorization", id: 5)
    public static let callID = HeaderName(canonical: "Call-ID", id: 6)
    public static let contact = HeaderName(canonical: "Contact", id: 7)
    public static let contentEncoding = HeaderName(canonical: "Content-Encoding", id: 8)
    public static let contentLength = HeaderName(canonical: "Content-Length", id: 9)
    public static let contentType = HeaderName(canonical: "Content-Type", id: 10)
    public static let cseq = HeaderName(canonical: "CSeq", id: 11)
    public static let date = HeaderName(canonical: "Date", id: 12)
    public static let event = HeaderName(canonical: "Event", id: 13)
    public static let expires = HeaderName(canonical: "Expires", id: 14)
    public static let from = HeaderName(canonical: "From", id: 15)
    public static let identity = HeaderName(canonical: "Identity", id: 16)
    public static let maxForwards = HeaderName(canonical: "Max-Forwards", id: 17)
    public static let minExpires = HeaderName(canonical: "Min-Expires", id: 18)
    public static let path = HeaderName(canonical: "Path", id: 19)
    public static let proxyAuthenticate = HeaderName(canonical: "Proxy-Authenticate", id: 20)
    public static let proxyAuthorization = HeaderName(canonical: "Proxy-Authorization", id: 21)
    public static let proxyRequire = HeaderName(canonical: "Proxy-Require", id: 22)
    public static let rack = HeaderName(canonical: "RAck", id: 23)
    public static let reason = HeaderName(canonical: "Reason", id: 24)
    public static let recordRoute = HeaderName(canonical: "Record-Route", id: 25)
    public static let referTo = HeaderName(canonical: "Refer-To", id: 26)
    public static let referredBy = HeaderName(canonical: "Referred-By", id: 27)
    public static let rejectContact = HeaderName(canonical: "Reject-Contact", id: 28)
    public static let replaces = HeaderName(canonical: "Replaces", id: 29)
    public static let require = HeaderName(canonical: "Require", id: 30)
    public static let retryAfter = HeaderName(canonical: "Retry-After", id: 31)
    public static let route = HeaderName(canonical: "Route", id: 32)
    public static let rseq = HeaderName(canonical: "RSeq", id: 33)
    public static let server = HeaderName(canonical: "Server", id: 34)
    public static let sessionExpires = HeaderName(canonical: "Session-Expires", id: 35)
    public static let subject = HeaderName(canonical: "Subject", id: 36)
    public static let subscriptionState = HeaderName(canonical: "Subscription-State", id: 37)
    public static let supported = HeaderName(canonical: "Supported", id: 38)
    public static let timestamp = HeaderName(canonical: "Timestamp", id: 39)
    public static let to = HeaderName(canonical: "To", id: 40)
    public static let unsupported = HeaderName(canonical: "Unsupported", id: 41)
    public static let userAgent = HeaderName(canonical: "User-Agent", id: 42)
    public static let via = HeaderName(canonical: "Via", id: 43)
    public static let warning = HeaderName(canonical: "Warning", id: 44)
    public static let wwwAuthenticate = HeaderName(canonical: "WWW-Authenticate", id: 45)
    public static let minSE = HeaderName(canonical: "Min-SE", id: 46)
    public static let pAssertedIdentity = HeaderName(canonical: "P-Asserted-Identity", id: 47)
    public static let pPreferredIdentity = HeaderName(canonical: "P-Preferred-Identity", id: 48)

    /// Lowercased spellings, full and compact, mapped to the canonical name.
    private static let known: [String: HeaderName] = {
        let all: [HeaderName] = [
            accept, acceptContact, allow, allowEvents, authorization, callID, contact, contentEncoding,
            contentLength, contentType, cseq, date, event, expires, from, identity, maxForwards,
            minExpires, path, proxyAuthenticate, proxyAuthorization, proxyRequire, rack, reason,
            recordRoute, referTo, referredBy, rejectContact, replaces, require, retryAfter, route, rseq,
            server, sessionExpires, subject, subscriptionState, supported, timestamp, to, unsupported,
            userAgent, via, warning, wwwAuthenticate, minSE, pAssertedIdentity, pPreferredIdentity,
        ]
        var table: [String: HeaderName] = [:]
        for name in all { table[name.key] = name }
        // Compact forms: RFC 3261 §7.3.3 and the extensions that registered one.
        let compact: [String: HeaderName] = [
            "a": acceptContact, "b": referredBy, "c": contentType, "e": contentEncoding, "f": from,
            "i": callID, "j": rejectContact, "k": supported, "l": contentLength, "m": contact,
            "o": event, "r": referTo, "s": subject, "t": to, "u": allowEvents, "v": via,
            "x": sessionExpires, "y": identity,
        ]
        table.merge(compact) { current, _ in current }
        return table
    }()

    /// Looks a name up from raw wire bytes without building a String for the common known names.
    static func fromWire(_ bytes: ArraySlice<UInt8>) -> HeaderName {
        let key = String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var i = 0
            for b in bytes {
                buffer[i] = ASCII.lowercased(b)
                i += 1
            }
            return i
        }
        if let known = known[key] { return known }
        return HeaderName(unknown: String(wireBytes: bytes), key: key)
    }

    private init(unknown: String, key: String) {
        name = unknown
        self.key = key
        id = -1
    }
}
