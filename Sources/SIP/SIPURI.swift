import ByteText
/// A `sip:` or `sips:` URI (RFC 3261 §19.1): where a request goes, who a party is, a route hop.
///
/// `user` and `password` hold unescaped text (`sip:I%20am@h` has user `I am`), since dialplans
/// match on what the user part means; they are escaped again on output. Parameters and URI headers
/// are kept as written.
public struct SIPURI: Sendable, Equatable, CustomStringConvertible {
    /// One `?name=value` header of a URI, as written (still escaped).
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// True for `sips:`.
    public var isSecure: Bool
    public var user: String?
    public var password: String?
    /// Host name, IPv4 address, or IPv6 address without the brackets.
    public var host: String
    public var port: UInt16?
    public var parameters: SIPParameters
    public var headers: [Header]

    public init(user: String? = nil, password: String? = nil, host: String, port: UInt16? = nil,
                isSecure: Bool = false, parameters: SIPParameters = SIPParameters(), headers: [Header] = []) {
        self.isSecure = isSecure
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    /// Parses `sip:...` or `sips:...` text.
    public init(_ text: String) throws(SIPParseError) {
        guard case .sip(let uri) = try URI(text) else {
            throw SIPParseError(.invalidURI, "not a SIP URI")
        }
        self = uri
    }

    /// The `transport` parameter (`udp`, `tcp`, `tls`, `ws`, `wss`...).
    public var transport: String? {
        get { parameters["transport"] }
        set { parameters["transport"] = newValue }
    }

    /// The `lr` flag: this hop is a loose router (RFC 3261 §16.12).
    public var isLooseRouter: Bool {
        get { parameters.contains("lr") }
        set { if newValue { parameters.setFlag("lr") } else { parameters.remove("lr") } }
    }

    /// The `maddr` parameter.
    public var maddr: String? {
        get { parameters["maddr"] }
        set { parameters["maddr"] = newValue }
    }

    /// True when the host is an IPv6 address.
    public var isIPv6: Bool { host.utf8.contains(ASCII.colon) }

    /// `host[:port]`, with brackets around an IPv6 address.
    public var hostPort: String {
        var text = isIPv6 ? "[" + host + "]" : host
        if let port { text += ":" + String(port) }
        return text
    }

    public var description: String {
        var text = isSecure ? "sips:" : "sip:"
        if let user {
            text += URIEscaping.escape(user, allowed: ByteClass.userChar)
            if let password {
                text += ":" + URIEscaping.escape(password, allowed: ByteClass.passwordChar)
            }
            text += "@"
        }
        text += hostPort
        text += parameters.serialized
        for (i, header) in headers.enumerated() {
            text += (i == 0 ? "?" : "&") + header.name + "=" + header.value
        }
        return text
    }

    static func parse(_ bytes: ArraySlice<UInt8>, secure: Bool) throws(SIPParseError) -> SIPURI {
        var i = bytes.startIndex
        let end = bytes.endIndex
        var user: String? = nil
        var password: String? = nil
        // The user part may hold `;`, `?` and `,` but never a raw `@`, so the first `@` ends it.
        if let at = bytes.firstIndex(of: ASCII.at) {
            let userinfo = bytes[i..<at]
            let colon = userinfo.firstIndex(of: ASCII.colon)
            let userBytes = userinfo[..<(colon ?? at)]
            guard !userBytes.isEmpty else { throw SIPParseError(.invalidURI, "empty user part in SIP URI") }
            user = try URIEscaping.unescape(userBytes, allowed: ByteClass.userChar, part: "user part")
            if let colon {
                password = try URIEscaping.unescape(userinfo[(colon + 1)...], allowed: ByteClass.passwordChar,
                                                    part: "password")
            }
            i = at + 1
        }
        let (host, afterHost) = try parseHost(bytes, from: i)
        i = afterHost
        var port: UInt16? = nil
        if i < end, bytes[i] == ASCII.colon {
            i += 1
            let start = i
            while i < end, ASCII.isDigit(bytes[i]) { i += 1 }
            guard let value = BoundedNumber.parse(bytes[start..<i], maximum: 65_535) else {
                throw SIPParseError(.invalidURI, "invalid port in SIP URI")
            }
            port = UInt16(value)
        }
        let (parameters, afterParams) = try parseURIParameters(bytes, from: i)
        i = afterParams
        var headers: [Header] = []
        if i < end, bytes[i] == ASCII.question {
            repeat {
                i += 1
                let nameStart = i
                while i < end, ByteClass.headerChar[Int(bytes[i])] { i += 1 }
                let name = bytes[nameStart..<i]
                guard !name.isEmpty, i < end, bytes[i] == ASCII.equals else {
                    throw SIPParseError(.invalidURI, "malformed header in SIP URI")
                }
                i += 1
                let valueStart = i
                while i < end, ByteClass.headerChar[Int(bytes[i])] { i += 1 }
                headers.append(Header(name: String(wireBytes: name), value: String(wireBytes: bytes[valueStart..<i])))
            } while i < end && bytes[i] == ASCII.ampersand
        }
        guard i == end else {
            throw SIPParseError(.invalidURI, "unexpected character in SIP URI")
        }
        return SIPURI(user: user, password: password, host: host, port: port, isSecure: secure,
                      parameters: parameters, headers: headers)
    }

    /// Reads a host (name, IPv4, or bracketed IPv6) and returns it without brackets.
    static func parseHost(_ bytes: ArraySlice<UInt8>, from start: Int) throws(SIPParseError) -> (String, Int) {
        var i = start
        let end = bytes.endIndex
        if i < end, bytes[i] == ASCII.leftBracket {
            i += 1
            let inner = i
            while i < end, ASCII.hexValue(bytes[i]) != nil || bytes[i] == ASCII.colon || bytes[i] == 0x2E {
                i += 1
            }
            guard i < end, bytes[i] == ASCII.rightBracket, i > inner,
                  bytes[inner..<i].contains(ASCII.colon) else {
                throw SIPParseError(.invalidURI, "malformed IPv6 reference")
            }
            return (String(wireBytes: bytes[inner..<i]), i + 1)
        }
        while i < end, ByteClass.hostChar[Int(bytes[i])] { i += 1 }
        guard i > start else { throw SIPParseError(.invalidURI, "missing host") }
        return (String(wireBytes: bytes[start..<i]), i)
    }

    /// Reads `;name[=value]` URI parameters up to `?` or the end.
    static func parseURIParameters(_ bytes: ArraySlice<UInt8>, from start: Int) throws(SIPParseError) -> (SIPParameters, Int) {
        var i = start
        let end = bytes.endIndex
        var items: [SIPParameters.Parameter] = []
        while i < end, bytes[i] == ASCII.semicolon {
            i += 1
            let nameStart = i
            while i < end, ByteClass.paramChar[Int(bytes[i])] { i += 1 }
            guard i > nameStart else { throw SIPParseError(.invalidURI, "empty URI parameter") }
            let name = String(wireBytes: bytes[nameStart..<i])
            var value: String? = nil
            if i < end, bytes[i] == ASCII.equals {
                i += 1
                let valueStart = i
                while i < end, ByteClass.paramChar[Int(bytes[i])] { i += 1 }
                guard i > valueStart else { throw SIPParseError(.invalidURI, "URI parameter \(name) has an empty value") }
                value = String(wireBytes: bytes[valueStart..<i])
            }
            items.append(SIPParameters.Parameter(name: name, value: value))
        }
        return (SIPParameters(items), i)
    }
}
