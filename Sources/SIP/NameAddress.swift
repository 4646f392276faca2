import ByteText
/// A `name-addr` or `addr-spec` with header parameters: the value of From, To, Contact, Route,
/// Record-Route, Refer-To and friends (RFC 3261 §20.10, §20.20, §20.39).
///
/// Parsing is liberal where RFC 4475 says a tolerant element may be (unquoted display names with
/// non-token characters, spaces inside `< >`, an addr-spec with URI headers); serialization is
/// strict (display name always quoted, URI always in `< >`), so errors are not propagated.
public struct NameAddress: Sendable, Equatable, CustomStringConvertible {
    /// Display name with quoting removed, or nil when there was none.
    public var displayName: String?
    public var uri: URI
    /// Header parameters (after the `>`), e.g. `tag`, `expires`, `q`, `+sip.instance`.
    public var parameters: SIPParameters

    public init(displayName: String? = nil, uri: URI, parameters: SIPParameters = SIPParameters()) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    public init(displayName: String? = nil, uri: SIPURI, parameters: SIPParameters = SIPParameters()) {
        self.init(displayName: displayName, uri: .sip(uri), parameters: parameters)
    }

    /// Parses one value (not a comma-separated list).
    public init(_ text: String) throws(SIPParseError) {
        var cursor = ByteCursor(text)
        self = try NameAddress.parse(&cursor)
        cursor.skipWhitespace()
        guard cursor.isAtEnd else {
            throw SIPParseError(.invalidHeaderValue, "unexpected text after address")
        }
    }

    /// The `tag` parameter (From/To), which identifies a dialog's ends.
    public var tag: String? {
        get { parameters["tag"] }
        set { parameters["tag"] = newValue }
    }

    public var description: String {
        var text = ""
        if let displayName, !displayName.isEmpty {
            text += Quoting.quote(displayName) + " "
        }
        text += "<" + uri.description + ">" + parameters.serialized
        return text
    }

    static func parse(_ cursor: inout ByteCursor) throws(SIPParseError) -> NameAddress {
        cursor.skipWhitespace()
        var displayName: String? = nil
        let uriBytes: ArraySlice<UInt8>
        if cursor.peek() == ASCII.dquote {
            displayName = try cursor.quotedStringValue()
            cursor.skipWhitespace()
            guard cursor.peek() == ASCII.lessThan else {
                throw SIPParseError(.invalidHeaderValue, "display name not followed by <URI>")
            }
            uriBytes = try bracketedURI(&cursor)
        } else if let angle = angleBracketAhead(cursor) {
            // An unquoted display name: tokens by the grammar, anything printable in practice.
            var start = cursor.index
            var end = angle
            while start < end, ASCII.isLinearWhitespace(cursor.bytes[start]) { start += 1 }
            while end > start, ASCII.isLinearWhitespace(cursor.bytes[end - 1]) { end -= 1 }
            if end > start { displayName = String(wireBytes: cursor.bytes[start..<end]) }
            cursor.index = angle
            uriBytes = try bracketedURI(&cursor)
        } else {
            // addr-spec: the URI ends at the first `;` (which starts header parameters) or space.
            let start = cursor.index
            while let b = cursor.peek(), b != ASCII.semicolon, b != ASCII.comma,
                  !ASCII.isLinearWhitespace(b) {
                cursor.index += 1
            }
            uriBytes = cursor.bytes[start..<cursor.index]
        }
        guard !uriBytes.isEmpty else { throw SIPParseError(.invalidURI, "empty URI in address") }
        let uri = try URI.parse(uriBytes)
        let parameters = try SIPParameters.parseHeaderParameters(&cursor)
        return NameAddress(displayName: displayName, uri: uri, parameters: parameters)
    }

    /// Position of a `<` before any `;` or `,` that is not inside a quoted string, if there is one.
    private static func angleBracketAhead(_ cursor: ByteCursor) -> Int? {
        var i = cursor.index
        let bytes = cursor.bytes
        while i < bytes.count {
            switch bytes[i] {
            case ASCII.lessThan: return i
            case ASCII.dquote: return nil
            default: i += 1
            }
        }
        return nil
    }

    /// Reads `< URI >`, returning the URI bytes with any spaces just inside the brackets trimmed
    /// (RFC 4475 §3.1.2.14 lets a tolerant element ignore them).
    private static func bracketedURI(_ cursor: inout ByteCursor) throws(SIPParseError) -> ArraySlice<UInt8> {
        guard cursor.consume(ASCII.lessThan) else {
            throw SIPParseError(.invalidHeaderValue, "expected <")
        }
        var start = cursor.index
        guard let close = cursor.bytes[start...].firstIndex(of: ASCII.greaterThan) else {
            throw SIPParseError(.invalidHeaderValue, "unterminated <URI>")
        }
        var end = close
        while start < end, ASCII.isLinearWhitespace(cursor.bytes[start]) { start += 1 }
        while end > start, ASCII.isLinearWhitespace(cursor.bytes[end - 1]) { end -= 1 }
        cursor.index = close + 1
        return cursor.bytes[start..<end]
    }
}

/// Contact header specifics (RFC 3261 §20.10, RFC 5626, RFC 3840).
extension NameAddress {
    /// The `expires` parameter, or nil when absent or not a valid delta-seconds (RFC 4475
    /// §3.1.2.4 lets a registrar treat an out-of-range value as absent and use its default).
    public var expires: UInt32? {
        get { parameters["expires"].flatMap { BoundedNumber.parse($0, maximum: UInt64(UInt32.max)) }.map { UInt32($0) } }
        set { parameters["expires"] = newValue.map { String($0) } }
    }

    /// The `q` preference, 0...1, or nil when absent or malformed.
    public var q: Double? {
        get {
            guard let text = parameters["q"], text.utf8.count <= 5, let value = Double(text),
                  value >= 0, value <= 1 else { return nil }
            return value
        }
        set { parameters["q"] = newValue.map { String($0) } }
    }

    /// The `+sip.instance` value without its quotes, e.g. `<urn:uuid:...>` (RFC 5626 §4.1).
    public var sipInstance: String? {
        get { parameters.unquoted("+sip.instance") }
        set {
            if let newValue { parameters.setQuoted("+sip.instance", newValue) } else { parameters.remove("+sip.instance") }
        }
    }

    /// The `reg-id` flow number (RFC 5626 §4.2).
    public var regID: UInt32? {
        get { parameters["reg-id"].flatMap { BoundedNumber.parse($0, maximum: UInt64(UInt32.max)) }.map { UInt32($0) } }
        set { parameters["reg-id"] = newValue.map { String($0) } }
    }
}

/// The value of a Contact header: either `*` (REGISTER removing all bindings) or addresses.
public enum ContactList: Sendable, Equatable {
    case wildcard
    case addresses([NameAddress])

    /// The contacts listed; none for the wildcard.
    public var addressList: [NameAddress] {
        if case .addresses(let list) = self { return list }
        return []
    }
}
