import ByteText
/// One header field as it appeared on the wire (name canonicalized, value unfolded and trimmed).
public struct SIPHeaderField: Sendable, Equatable {
    public var name: HeaderName
    public var value: String

    public init(_ name: HeaderName, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The ordered header fields of a message.
///
/// Values are kept as text, exactly as received, so that a message round-trips and headers Tandem
/// does not understand pass through untouched; typed views (`via()`, `from()`, `cseq()`...) parse
/// on demand and their setters write text back. Order matters for Via, Route and Record-Route, and
/// is preserved.
public struct SIPHeaders: Sendable, Equatable, RandomAccessCollection, ExpressibleByArrayLiteral {
    public private(set) var fields: [SIPHeaderField]

    public init() { fields = [] }
    public init(_ fields: [SIPHeaderField]) { self.fields = fields }
    public init(arrayLiteral elements: (HeaderName, String)...) {
        fields = elements.map { SIPHeaderField($0.0, $0.1) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> SIPHeaderField { fields[position] }

    /// The first value of the named header, or nil. Setting replaces every field of that name
    /// with one (kept in the first one's place); setting nil removes them all.
    public subscript(name: HeaderName) -> String? {
        get { fields.first { $0.name == name }?.value }
        set {
            if let newValue { set(name, newValue) } else { remove(name) }
        }
    }

    public func contains(_ name: HeaderName) -> Bool { fields.contains { $0.name == name } }

    /// Every field value of the named header, in order, each as written (not split at commas).
    public func values(_ name: HeaderName) -> [String] {
        fields.compactMap { $0.name == name ? $0.value : nil }
    }

    /// The named header read by `parse`, nil when absent: how the typed accessors of single-valued
    /// extension headers read theirs.
    func parsed<T>(_ name: HeaderName, _ parse: (String) throws(SIPParseError) -> T) throws(SIPParseError) -> T? {
        guard let value = self[name] else { return nil }
        return try parse(value)
    }

    /// Every element of a comma-separated list header, across all its fields, in order; commas
    /// inside quoted strings and `<...>` do not split.
    public func listValues(_ name: HeaderName) -> [String] {
        var result: [String] = []
        for field in fields where field.name == name {
            result.append(contentsOf: CommaList.split(field.value))
        }
        return result
    }

    /// Appends a field.
    public mutating func add(_ name: HeaderName, _ value: String) {
        fields.append(SIPHeaderField(name, value))
    }

    /// Inserts a field before the first field of the same name (or appends if none): how a Via
    /// or a Record-Route is pushed on top.
    public mutating func prepend(_ name: HeaderName, _ value: String) {
        if let index = fields.firstIndex(where: { $0.name == name }) {
            fields.insert(SIPHeaderField(name, value), at: index)
        } else {
            fields.append(SIPHeaderField(name, value))
        }
    }

    /// Replaces all fields of that name with one, kept where the first one was.
    public mutating func set(_ name: HeaderName, _ value: String) {
        setAll(name, [value])
    }

    /// Replaces all fields of that name with one field per value, at the position of the first.
    public mutating func setAll(_ name: HeaderName, _ values: [String]) {
        let position = fields.firstIndex { $0.name == name } ?? fields.count
        let before = fields[..<position].filter { $0.name != name }
        let after = fields[position...].filter { $0.name != name }
        fields = before + values.map { SIPHeaderField(name, $0) } + after
    }

    /// Removes every field of that name.
    public mutating func remove(_ name: HeaderName) {
        fields.removeAll { $0.name == name }
    }

    /// Inserts a field at a position.
    public mutating func insert(_ field: SIPHeaderField, at index: Int) {
        fields.insert(field, at: Swift.min(Swift.max(index, 0), fields.count))
    }

    /// Removes the field at a position.
    @discardableResult
    public mutating func remove(at index: Int) -> SIPHeaderField {
        fields.remove(at: index)
    }

    mutating func append(_ field: SIPHeaderField) { fields.append(field) }
    mutating func reserveCapacity(_ count: Int) { fields.reserveCapacity(count) }
}

/// Splitting of comma-separated header lists (RFC 3261 §7.3.1), aware of quoted strings,
/// quoted-pairs and `<...>` URIs, which may all contain commas.
enum CommaList {
    static func split(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        var parts: [String] = []
        var start = 0
        var inQuotes = false
        var inAngle = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == ASCII.backslash { i += 2; continue }
                if b == ASCII.dquote { inQuotes = false }
            } else if inAngle {
                if b == ASCII.greaterThan { inAngle = false }
            } else if b == ASCII.dquote {
                inQuotes = true
            } else if b == ASCII.lessThan {
                inAngle = true
            } else if b == ASCII.comma {
                parts.append(trimmed(bytes, start, i))
                start = i + 1
            }
            i += 1
        }
        parts.append(trimmed(bytes, start, Swift.min(i, bytes.count)))
        return parts
    }

    private static func trimmed(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String {
        var s = start, e = end
        while s < e, ASCII.isLinearWhitespace(bytes[s]) { s += 1 }
        while e > s, ASCII.isLinearWhitespace(bytes[e - 1]) { e -= 1 }
        return String(wireBytes: bytes[s..<e])
    }
}
