import ByteText
/// An ordered list of `;name=value` parameters, as on URIs, Via, From/To/Contact and Content-Type.
///
/// Names compare without case. A parameter may have no value (`;lr`, `;rport`). Values are kept as
/// written, quotes included for quoted ones (use `unquoted(_:)` to read those), so that
/// serialization reproduces them.
public struct SIPParameters: Sendable, Equatable, Sequence, ExpressibleByArrayLiteral {
    /// One parameter; `value == nil` for a flag such as `lr`.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var value: String?
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var items: [Parameter]

    public init() { items = [] }
    public init(_ items: [Parameter]) { self.items = items }
    public init(arrayLiteral elements: (String, String?)...) {
        items = elements.map { Parameter(name: $0.0, value: $0.1) }
    }

    public func makeIterator() -> IndexingIterator<[Parameter]> { items.makeIterator() }
    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }

    private func index(of name: String) -> Int? {
        items.firstIndex { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// True when the parameter is present, with or without a value.
    public func contains(_ name: String) -> Bool { index(of: name) != nil }

    /// The value as written, or nil when absent or a flag. Setting nil removes the parameter;
    /// use `setFlag` for a parameter without a value.
    public subscript(name: String) -> String? {
        get { index(of: name).flatMap { items[$0].value } }
        set {
            if let newValue { set(name, value: newValue) } else { remove(name) }
        }
    }

    /// The value with surrounding quotes removed and quoted-pairs resolved.
    public func unquoted(_ name: String) -> String? {
        guard let raw = self[name] else { return nil }
        if raw.utf8.first == ASCII.dquote {
            var cursor = ByteCursor(raw)
            if let parsed = try? cursor.quotedStringValue() { return parsed }
        }
        return raw
    }

    /// Sets or replaces a parameter (keeping its position when it exists).
    public mutating func set(_ name: String, value: String?) {
        if let i = index(of: name) {
            items[i].value = value
        } else {
            items.append(Parameter(name: name, value: value))
        }
    }

    /// Sets a parameter that has no value, such as `lr` or `ob`.
    public mutating func setFlag(_ name: String) { set(name, value: nil) }

    /// Sets a parameter to a quoted string, escaping `"` and `\`.
    public mutating func setQuoted(_ name: String, _ value: String) {
        set(name, value: Quoting.quote(value))
    }

    public mutating func remove(_ name: String) {
        items.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// `;name=value;flag` as it goes on the wire.
    public var serialized: String {
        var text = ""
        for item in items {
            text += ";"
            text += item.name
            if let value = item.value {
                text += "="
                text += value
            }
        }
        return text
    }
}

extension SIPParameters {
    /// Parses header parameters (`*( SEMI generic-param )`) from the cursor: tolerant of LWS around
    /// `;` and `=`, strict about empty names, which RFC 4475 §3.1.2.1 says make a message invalid.
    /// Stops before a byte that cannot continue the list (`,` or the end).
    static func parseHeaderParameters(_ cursor: inout ByteCursor) throws(SIPParseError) -> SIPParameters {
        var params = SIPParameters()
        while true {
            cursor.skipWhitespace()
            guard cursor.consume(ASCII.semicolon) else { break }
            cursor.skipWhitespace()
            guard let name = cursor.token() else {
                throw SIPParseError(.invalidHeaderValue, "empty or malformed parameter name")
            }
            cursor.skipWhitespace()
            var value: String? = nil
            if cursor.consume(ASCII.equals) {
                cursor.skipWhitespace()
                if cursor.peek() == ASCII.dquote {
                    value = try cursor.quotedString().raw
                } else {
                    let run = cursor.take(ByteClass.genericValueChar)
                    if run.isEmpty {
                        throw SIPParseError(.invalidHeaderValue, "parameter \(name) has an empty value")
                    }
                    value = String(wireBytes: run)
                }
            }
            params.items.append(Parameter(name: name, value: value))
        }
        return params
    }
}

/// Quoting helpers for quoted-string values (display names, digest parameters).
enum Quoting {
    /// Wraps text in double quotes, escaping `"` and `\`, and dropping CR/LF which no quoted-pair may hold.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\\":
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append(scalar)
            case "\r", "\n":
                out.unicodeScalars.append(" ")
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }
}
