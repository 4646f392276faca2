/// Text in an action attribute that may refer to captures (`$1`, `${2}`, `${area}`), variables and
/// call fields (`${destination}`), and SIP headers (`${header:X-Account}`); `$$` is a literal `$`.
/// Parsed once at load so evaluation only concatenates.
public struct Template: Sendable, Equatable, CustomStringConvertible {
    /// One piece of a template.
    public enum Part: Sendable, Equatable {
        case literal(String)
        /// `$N` or `${N}`: a numbered capture of the route's most recent matching pattern.
        case capture(Int)
        /// `${name}`: a named capture, then a variable, then a call field.
        case name(String)
        /// `${header:Name}`: the first value of that header on the incoming call.
        case header(String)
    }

    public let parts: [Part]
    /// The text as written, for traces and messages.
    public let source: String

    /// A template that is only the given text.
    public init(literal: String) {
        parts = literal.isEmpty ? [] : [.literal(literal)]
        source = literal
    }

    /// Parses `text`; the error says what is wrong for the attribute's diagnostic.
    public init(parsing text: String) throws(TemplateError) {
        source = text
        guard text.utf8.contains(UInt8(ascii: "$")) else {
            parts = text.isEmpty ? [] : [.literal(text)]
            return
        }
        var parts: [Part] = []
        var literal = ""
        var chars = Substring(text)
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "$" else {
                literal.append(c)
                continue
            }
            guard let next = chars.first else { throw TemplateError(reason: "'$' at the end; write '$$' for a dollar sign") }
            if next == "$" {
                literal.append("$")
                chars = chars.dropFirst()
                continue
            }
            if let digit = next.wholeNumberValue, next.isASCII {
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.capture(digit))
                chars = chars.dropFirst()
                continue
            }
            guard next == "{" else {
                throw TemplateError(reason: "'$' must be followed by a digit, '{name}' or '$'")
            }
            chars = chars.dropFirst()
            guard let close = chars.firstIndex(of: "}") else { throw TemplateError(reason: "'${' without a closing '}'") }
            let name = String(chars[..<close])
            chars = chars[chars.index(after: close)...]
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            if let number = Int(name), number >= 0, number < 100, name.allSatisfy(\.isASCII) {
                parts.append(.capture(number))
            } else if name.hasPrefix("header:") {
                let header = String(name.dropFirst(7))
                guard Self.isToken(header) else { throw TemplateError(reason: "'${\(name)}' does not name a SIP header") }
                parts.append(.header(header))
            } else {
                guard Self.isIdentifier(name) else {
                    throw TemplateError(reason: "'${\(name)}' is not a variable name (letters, digits, '_', '-', '.')")
                }
                parts.append(.name(name))
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    public var description: String { source }

    /// `${destination}`: what a trunk target dials when it names no user.
    static let destination = Template(parts: [.name("destination")], source: "${destination}")

    private init(parts: [Part], source: String) {
        self.parts = parts
        self.source = source
    }

    /// True when the template has no references, so its value is known at load time.
    public var isLiteral: Bool { parts.allSatisfy { if case .literal = $0 { return true } else { return false } } }

    /// The value when literal.
    public var literalValue: String? {
        guard isLiteral else { return nil }
        return parts.reduce(into: "") { if case .literal(let s) = $1 { $0 += s } }
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }
    }

    /// RFC 3261 token characters, which is what a header name is.
    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || "-.!%*_+`'~".utf8.contains(b)
        }
    }
}

/// Why a template could not be parsed.
public struct TemplateError: Error, Sendable, Equatable {
    public var reason: String
}
