import Foundation

/// A compiled regular expression from a `pattern` attribute (ICU syntax, as NSRegularExpression
/// reads it). Patterns that are an anchored literal (`^9196$`) or literal prefix (`^00`) are answered
/// by comparing bytes, and every other anchored pattern first checks its literal prefix, so in a
/// large plan most routes are rejected without entering the regex engine.
public struct Pattern: Sendable, CustomStringConvertible {
    /// How a subject is tested.
    enum Kind: @unchecked Sendable {
        // NSRegularExpression is immutable after init and its matching is thread-safe.
        case exact([UInt8])
        case prefix([UInt8])
        case regex(NSRegularExpression, requiredPrefix: [UInt8])
    }

    /// The pattern as written.
    public let source: String
    public let ignoreCase: Bool
    let kind: Kind
    /// How many numbered groups the pattern has, for checking `$N` references.
    public let groupCount: Int
    /// The names of `(?<name>...)` groups, in order.
    public let groupNames: [String]

    /// Compiles `source`; the error reason names what is wrong in it.
    public init(_ source: String, ignoreCase: Bool = false) throws(PatternError) {
        self.source = source
        self.ignoreCase = ignoreCase
        guard !source.isEmpty else { throw PatternError(reason: "the pattern is empty (\".*\" matches anything)") }
        let icu = Self.rewriteQuotedNames(source)
        let analysis = Self.analyse(icu)
        groupNames = analysis.names
        if !ignoreCase, let literal = analysis.exact {
            kind = .exact(literal)
            groupCount = 0
            return
        }
        if !ignoreCase, let literal = analysis.prefixOnly {
            kind = .prefix(literal)
            groupCount = 0
            return
        }
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: icu, options: ignoreCase ? [.caseInsensitive] : [])
        } catch {
            throw PatternError(reason: Self.explain(icu))
        }
        groupCount = regex.numberOfCaptureGroups
        kind = .regex(regex, requiredPrefix: ignoreCase ? [] : analysis.requiredPrefix)
    }

    public var description: String { "/\(source)/" + (ignoreCase ? "i" : "") }

    /// Tests `subject`; on a match, `captures` gets `$0...$N` and the named groups.
    func match(_ subject: String, into captures: inout Captures) -> Bool {
        switch kind {
        case .exact(let literal):
            guard subject.utf8.elementsEqual(literal) else { return false }
            captures.set(numbered: [subject], named: [])
            return true
        case .prefix(let literal):
            guard subject.utf8.starts(with: literal) else { return false }
            captures.set(numbered: [String(decoding: literal, as: UTF8.self)], named: [])
            return true
        case .regex(let regex, let required):
            if !required.isEmpty && !subject.utf8.starts(with: required) { return false }
            let utf16 = subject.utf16
            guard let m = regex.firstMatch(in: subject, options: [], range: NSRange(location: 0, length: utf16.count)) else {
                return false
            }
            var numbered: [String] = []
            numbered.reserveCapacity(m.numberOfRanges)
            for i in 0..<m.numberOfRanges {
                numbered.append(Self.substring(subject, m.range(at: i)))
            }
            var named: [(String, String)] = []
            for name in groupNames {
                let r = m.range(withName: name)
                if r.location != NSNotFound { named.append((name, Self.substring(subject, r))) }
            }
            captures.set(numbered: numbered, named: named)
            return true
        }
    }

    private static func substring(_ s: String, _ r: NSRange) -> String {
        guard r.location != NSNotFound, let range = Range(r, in: s) else { return "" }
        return String(s[range])
    }

    /// `(?'name'...)` is the same group as `(?<name>...)`, which an XML attribute can only hold as
    /// `(?&lt;name>...)`; ICU knows only the second form, so the first is rewritten to it.
    static func rewriteQuotedNames(_ p: String) -> String {
        guard p.contains("(?'") else { return p }
        let chars = Array(p.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var inClass = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                out.append(c)
                if i + 1 < chars.count { out.append(chars[i + 1]) }
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
            } else if c == "[" {
                inClass = true
            } else if c == "(", i + 2 < chars.count, chars[i + 1] == "?", chars[i + 2] == "'",
                      let close = chars[(i + 3)...].firstIndex(of: "'") {
                out.append(contentsOf: "(?<".unicodeScalars)
                out.append(contentsOf: chars[(i + 3)..<close])
                out.append(">")
                i = close + 1
                continue
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }

    struct Analysis {
        var exact: [UInt8]?
        var prefixOnly: [UInt8]?
        var requiredPrefix: [UInt8] = []
        var names: [String] = []
    }

    /// Reads the literal text after a leading `^`, and the group names. Conservative: anything it does
    /// not understand ends the literal, which only costs speed.
    static func analyse(_ p: String) -> Analysis {
        var a = Analysis()
        let chars = Array(p.unicodeScalars)
        // Group names, and whether a top-level '|' makes the leading '^' apply to one branch only.
        var depth = 0
        var inClass = false
        var topLevelAlternation = false
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
            } else if c == "[" {
                inClass = true
            } else if c == "(" {
                depth += 1
                if i + 2 < chars.count, chars[i + 1] == "?", chars[i + 2] == "<",
                   i + 3 < chars.count, chars[i + 3] != "=", chars[i + 3] != "!" {
                    var j = i + 3
                    var name = ""
                    while j < chars.count, chars[j] != ">" {
                        name.unicodeScalars.append(chars[j])
                        j += 1
                    }
                    if !name.isEmpty && !a.names.contains(name) { a.names.append(name) }
                }
            } else if c == ")" {
                depth -= 1
            } else if c == "|" && depth == 0 {
                topLevelAlternation = true
            }
            i += 1
        }
        guard !topLevelAlternation, chars.first == "^" else { return a }
        var literal: [Unicode.Scalar] = []
        i = 1
        let meta: Set<Unicode.Scalar> = ["\\", "^", "$", ".", "|", "?", "*", "+", "(", ")", "[", "]", "{", "}"]
        var stoppedAt: Int? = nil
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                guard i + 1 < chars.count else { stoppedAt = i; break }
                let e = chars[i + 1]
                // Escaped punctuation is itself; an escaped letter or digit is a class or a reference.
                if e.properties.isAlphabetic || ("0"..."9").contains(e) || !e.isASCII {
                    stoppedAt = i
                    break
                }
                literal.append(e)
                i += 2
                continue
            }
            if meta.contains(c) || c == "#" || c.properties.isWhitespace {
                stoppedAt = i
                break
            }
            literal.append(c)
            i += 1
        }
        // A quantifier applies to the last literal character, so that one is not required.
        if let at = stoppedAt, ["?", "*", "{"].contains(chars[at]), !literal.isEmpty {
            literal.removeLast()
        }
        let bytes = Array(String(String.UnicodeScalarView(literal)).utf8)
        a.requiredPrefix = bytes
        if let at = stoppedAt {
            if chars[at] == "$" && at == chars.count - 1 && !p.contains("#") { a.exact = bytes }
        } else {
            a.prefixOnly = bytes
        }
        return a
    }

    /// ICU only says a pattern is invalid; Swift's regex parser, which reads nearly the same syntax,
    /// says why.
    private static func explain(_ source: String) -> String {
        do {
            _ = try Regex(source)
            return "not a valid ICU regular expression"
        } catch {
            return "\(error)"
        }
    }
}

/// Why a pattern could not be compiled.
public struct PatternError: Error, Sendable, Equatable {
    public var reason: String
}

/// The captures of the route's most recent matching pattern (`$0...$N`) and the named captures of
/// all its matching patterns.
struct Captures: Sendable {
    var numbered: [String] = []
    var named: [(String, String)] = []

    mutating func set(numbered: [String], named: [(String, String)]) {
        self.numbered = numbered
        for (k, v) in named {
            if let i = self.named.firstIndex(where: { $0.0 == k }) { self.named[i].1 = v } else { self.named.append((k, v)) }
        }
    }

    func value(named name: String) -> String? {
        named.first { $0.0 == name }?.1
    }
}
