import ByteText
/// The shared shape of WWW-Authenticate, Proxy-Authenticate, Authorization and Proxy-Authorization
/// values (RFC 3261 §25.1 `challenge` / `credentials`): a scheme, then comma-separated
/// `name=value` pairs whose values are tokens or quoted strings.
struct AuthParams {
    struct Param {
        var name: String
        /// Value with quotes removed.
        var value: String
        var wasQuoted: Bool
    }

    var scheme: String
    var params: [Param]

    init(_ text: String) throws(SIPParseError) {
        var cursor = ByteCursor(text)
        cursor.skipWhitespace()
        guard let scheme = cursor.token() else {
            throw SIPParseError(.invalidHeaderValue, "Authentication header without a scheme")
        }
        self.scheme = scheme
        params = []
        while true {
            cursor.skipWhitespace()
            if cursor.isAtEnd { break }
            if cursor.consume(ASCII.comma) { continue }
            guard let name = cursor.token() else {
                throw SIPParseError(.invalidHeaderValue, "Malformed authentication parameter")
            }
            cursor.skipWhitespace()
            guard cursor.consume(ASCII.equals) else {
                throw SIPParseError(.invalidHeaderValue, "Authentication parameter \(name) without a value")
            }
            cursor.skipWhitespace()
            if cursor.peek() == ASCII.dquote {
                params.append(Param(name: name, value: try cursor.quotedStringValue(), wasQuoted: true))
            } else {
                let run = cursor.take { $0 > 0x20 && $0 != ASCII.comma && $0 != ASCII.dquote && $0 != 0x7F }
                guard !run.isEmpty else {
                    throw SIPParseError(.invalidHeaderValue, "Authentication parameter \(name) has an empty value")
                }
                params.append(Param(name: name, value: String(wireBytes: run), wasQuoted: false))
            }
        }
    }

    subscript(name: String) -> String? {
        params.first { ASCII.equalsIgnoringCase($0.name, name) }?.value
    }

    var isDigest: Bool { ASCII.equalsIgnoringCase(scheme, "Digest") }
}

/// Writes `Digest a="b", c=d` values.
struct AuthParamsWriter {
    private var parts: [String] = []

    mutating func quoted(_ name: String, _ value: String?) {
        if let value { parts.append(name + "=" + Quoting.quote(value)) }
    }

    mutating func token(_ name: String, _ value: String?) {
        if let value { parts.append(name + "=" + value) }
    }

    func finish() -> String { "Digest " + parts.joined(separator: ", ") }
}
