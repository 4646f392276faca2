/// A line and column (both from 1, columns counted in characters) inside an XML source file.
public struct XMLPosition: Sendable, Equatable, Hashable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// Finds where start tags and attributes sit in the raw bytes, since libxml2 reports only an element's
/// line. It walks start tags in document order and pairs them with the parsed tree's elements in
/// pre-order; if the two ever disagree (entities that expand to markup, say) it stops annotating
/// rather than point at the wrong place.
enum XMLPositionScanner {
    struct StartTag {
        var name: String
        var position: XMLPosition
        var attributes: [String: XMLPosition]
    }

    static func annotate(_ root: inout XMLElementNode, source: [UInt8]) {
        let tags = scan(source)
        var next = 0
        var consistent = true
        assign(&root, tags: tags, next: &next, consistent: &consistent)
    }

    private static func assign(_ node: inout XMLElementNode, tags: [StartTag], next: inout Int, consistent: inout Bool) {
        guard consistent else { return }
        guard next < tags.count, tags[next].name == node.name else {
            consistent = false
            return
        }
        node.position = tags[next].position
        node.attributePositions = tags[next].attributes
        next += 1
        for i in node.children.indices {
            assign(&node.children[i], tags: tags, next: &next, consistent: &consistent)
        }
    }

    /// A forgiving scan: the input already parsed, so this only has to skip what is not a start tag.
    static func scan(_ s: [UInt8]) -> [StartTag] {
        var tags: [StartTag] = []
        var i = 0
        var line = 1
        var column = 1
        let n = s.count

        func advance() {
            guard i < n else { return }
            let b = s[i]
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        func starts(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard i + count <= n else { return false }
            let p = text.utf8Start
            for k in 0..<count where s[i + k] != p[k] { return false }
            return true
        }
        func skip(past text: StaticString) {
            while i < n && !starts(text) { advance() }
            for _ in 0..<text.utf8CodeUnitCount { advance() }
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func isNameByte(_ b: UInt8) -> Bool { !isSpace(b) && b != UInt8(ascii: "=") && b != UInt8(ascii: ">") && b != UInt8(ascii: "/") }

        while i < n {
            guard s[i] == UInt8(ascii: "<") else {
                advance()
                continue
            }
            if starts("<!--") {
                skip(past: "-->")
            } else if starts("<![CDATA[") {
                skip(past: "]]>")
            } else if starts("<?") {
                skip(past: "?>")
            } else if starts("<!") {
                // DOCTYPE, with an internal subset whose declarations contain their own '>'.
                var depth = 0
                advance()
                while i < n {
                    let b = s[i]
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                        advance()
                        while i < n && s[i] != b { advance() }
                    } else if b == UInt8(ascii: "[") {
                        depth += 1
                    } else if b == UInt8(ascii: "]") {
                        depth -= 1
                    } else if b == UInt8(ascii: ">") && depth <= 0 {
                        advance()
                        break
                    }
                    advance()
                }
            } else if starts("</") {
                skip(past: ">")
            } else {
                let position = XMLPosition(line: line, column: column)
                advance()
                let nameStart = i
                while i < n && isNameByte(s[i]) { advance() }
                var tag = StartTag(name: String(decoding: s[nameStart..<i], as: UTF8.self), position: position, attributes: [:])
                while i < n {
                    while i < n && isSpace(s[i]) { advance() }
                    guard i < n else { break }
                    if s[i] == UInt8(ascii: ">") {
                        advance()
                        break
                    }
                    if s[i] == UInt8(ascii: "/") {
                        advance()
                        continue
                    }
                    let attrPosition = XMLPosition(line: line, column: column)
                    let attrStart = i
                    while i < n && isNameByte(s[i]) { advance() }
                    let name = String(decoding: s[attrStart..<i], as: UTF8.self)
                    if i == attrStart { advance() }
                    while i < n && isSpace(s[i]) { advance() }
                    if i < n && s[i] == UInt8(ascii: "=") {
                        advance()
                        while i < n && isSpace(s[i]) { advance() }
                        if i < n && (s[i] == UInt8(ascii: "\"") || s[i] == UInt8(ascii: "'")) {
                            let quote = s[i]
                            advance()
                            while i < n && s[i] != quote { advance() }
                            advance()
                        }
                    }
                    if !name.isEmpty && tag.attributes[name] == nil { tag.attributes[name] = attrPosition }
                }
                tags.append(tag)
            }
        }
        return tags
    }
}
