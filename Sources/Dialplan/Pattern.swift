import CRE2Shim
import Foundation

/// A compiled regular expression from a `pattern` attribute, matched by RE2: in time linear in the
/// subject whatever the pattern, so no dialplan and no caller can make routing backtrack. Patterns
/// that are an anchored literal (`^9196$`) or literal prefix (`^00`) are answered by comparing bytes,
/// and every other anchored pattern first checks its literal prefix, so in a large plan most routes
/// are rejected without entering the regex engine. What RE2 cannot match in linear time
/// (backreferences, lookaround, atomic groups) is refused when the plan loads.
public struct Pattern: Sendable, CustomStringConvertible {
    /// How a subject is tested.
    enum Kind: Sendable {
        case exact([UInt8])
        case prefix([UInt8])
        case regex(CompiledPattern, requiredPrefix: [UInt8])
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
        let analysis = Self.analyse(source)
        if !ignoreCase, let literal = analysis.exact {
            (kind, groupCount, groupNames) = (.exact(literal), 0, [])
            return
        }
        if !ignoreCase, let literal = analysis.prefixOnly {
            (kind, groupCount, groupNames) = (.prefix(literal), 0, [])
            return
        }
        let compiled = try CompiledPattern(Self.rewriteGroupNames(source), ignoreCase: ignoreCase, as: source)
        groupCount = compiled.groupCount
        groupNames = compiled.names.map(\.name)
        kind = .regex(compiled, requiredPrefix: ignoreCase ? [] : analysis.requiredPrefix)
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
        case .regex(let compiled, let required):
            if !required.isEmpty && !subject.utf8.starts(with: required) { return false }
            guard let groups = compiled.match(subject) else { return false }
            let named = compiled.names.map { ($0.name, groups[$0.group]) }
            captures.set(numbered: groups, named: named)
            return true
        }
    }

    /// `(?'name'...)` and `(?<name>...)` (which an XML attribute can only hold as `(?&lt;name>...)`)
    /// are the same group as RE2's `(?P<name>...)`; both are rewritten to it. Lookbehind `(?<=`,
    /// `(?<!` is left for RE2 to refuse.
    static func rewriteGroupNames(_ p: String) -> String {
        guard p.contains("(?'") || p.contains("(?<") else { return p }
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
            } else if c == "(", i + 3 < chars.count, chars[i + 1] == "?", chars[i + 2] == "'" || chars[i + 2] == "<",
                      chars[i + 3] != "=", chars[i + 3] != "!",
                      let close = chars[(i + 3)...].firstIndex(of: chars[i + 2] == "'" ? "'" : ">") {
                out.append(contentsOf: "(?P<".unicodeScalars)
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
    }

    /// Reads the literal text after a leading `^`. Conservative: anything it does not understand ends
    /// the literal, which only costs speed.
    static func analyse(_ p: String) -> Analysis {
        var a = Analysis()
        let chars = Array(p.unicodeScalars)
        // Whether a top-level '|' makes the leading '^' apply to one branch only.
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

}

/// One RE2 pattern, owned: freed with the last reference. A compiled RE2 is immutable and safe to
/// match from any thread.
final class CompiledPattern: @unchecked Sendable {
    private let handle: OpaquePointer
    let groupCount: Int
    let names: [(name: String, group: Int)]

    /// Compiles `re2Source`; `written` is the pattern as the plan has it, for the reason of a refusal.
    init(_ re2Source: String, ignoreCase: Bool, as written: String) throws(PatternError) {
        var error = [CChar](repeating: 0, count: 256)
        let compiled = re2Source.utf8CString.withUnsafeBufferPointer { text in
            tandem_re2_compile(text.baseAddress, text.count - 1, ignoreCase ? 1 : 0, &error, error.count)
        }
        guard let compiled else {
            var reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // RE2 says "missing ): <the whole pattern>"; the pattern is already in the message.
            if reason.hasSuffix(": " + re2Source) { reason.removeLast(re2Source.utf8.count + 2) }
            throw PatternError(reason: Self.explain(written, re2: reason))
        }
        handle = compiled
        groupCount = Int(tandem_re2_group_count(compiled))
        names = (0..<tandem_re2_name_count(compiled)).compactMap { i in
            var group: Int32 = 0
            guard let name = tandem_re2_name(compiled, i, &group) else { return nil }
            return (String(cString: name), Int(group))
        }
    }

    deinit { tandem_re2_free(handle) }

    /// `$0...$N` of the first match in `subject`, "" for a group that took no part; nil when none.
    func match(_ subject: String) -> [String]? {
        var subject = subject
        var spans = [Int](repeating: -1, count: 2 * (groupCount + 1))
        return subject.withUTF8 { bytes -> [String]? in
            let found = bytes.withMemoryRebound(to: CChar.self) { text in
                tandem_re2_match(handle, text.baseAddress, text.count, &spans, Int32(groupCount + 1))
            }
            guard found == 1 else { return nil }
            return (0...groupCount).map { g in
                let (start, end) = (spans[2 * g], spans[2 * g + 1])
                return start < 0 ? "" : String(decoding: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<end]), as: UTF8.self)
            }
        }
    }

    /// RE2's reason, said for a dialplan's author: what RE2 cannot do in linear time is named as such.
    static func explain(_ source: String, re2 reason: String) -> String {
        let linear = "Tandem matches patterns with RE2, in time linear in the number, which "
        if source.range(of: #"\\[1-9]|\\k<"#, options: .regularExpression) != nil {
            return "backreferences (\\1, \\k<name>) are not supported: " + linear + "rules them out"
        }
        if ["(?=", "(?!", "(?<=", "(?<!"].contains(where: source.contains) {
            return "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported: " + linear + "rules them out"
        }
        if source.contains("(?>") || source.range(of: #"[*+?}]\+"#, options: .regularExpression) != nil {
            return "atomic groups and possessive quantifiers ((?>...), a*+) are not supported: " + linear + "does not need them"
        }
        if reason.contains("invalid repetition size") {
            return "counted repetitions may not pass 1000 in all, nested ones multiplied ((a{100}){100} is 10,000)"
        }
        if reason.contains("pattern too large") {
            return "the pattern is too large to compile (counted repetitions multiply: (a{100}){100} is 10,000 states)"
        }
        return "not a valid regular expression: \(reason)"
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
