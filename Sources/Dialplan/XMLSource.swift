@preconcurrency import CLibXML2

/// Where something is in a source file, for error messages in the `file:line:column` form editors jump to.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
    }
}

/// An XML file that could not be read, with libxml2's reason and position.
public struct XMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let location: SourceLocation
    public let reason: String
    public var description: String { "\(location): \(reason)" }
}

/// An element of a parsed XML file: plain Swift values, so evaluation never touches libxml2.
public struct XMLElementNode: Sendable, Equatable {
    public var name: String
    /// Attributes in document order.
    public var attributes: [(name: String, value: String)]
    public var children: [XMLElementNode]
    /// Character data directly inside the element, trimmed.
    public var text: String
    public var line: Int
    /// Where the start tag's `<` is, when the source scan could place it (see `XMLPositionScanner`).
    public var position: XMLPosition?
    /// Where each attribute's name starts, so errors about a value can point at it.
    public var attributePositions: [String: XMLPosition] = [:]

    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    public static func == (a: XMLElementNode, b: XMLElementNode) -> Bool {
        a.name == b.name && a.attributes.elementsEqual(b.attributes, by: { $0 == $1 })
            && a.children == b.children && a.text == b.text && a.line == b.line
    }
}

/// Reads XML with libxml2 into `XMLElementNode`s. No network access, no DTD loading and no entity
/// expansion: dialplans come from operators, but a parser should not fetch or expand anything.
public enum XMLSource {
    public static func parse(_ bytes: [UInt8], file: String) throws(XMLSyntaxError) -> XMLElementNode {
        // An empty buffer may have no base address, and libxml2 would only say "Document is empty".
        guard !bytes.isEmpty else {
            throw XMLSyntaxError(location: SourceLocation(file: file, line: 1, column: 1), reason: "file is empty")
        }
        guard bytes.count < Int(Int32.max) else {
            throw XMLSyntaxError(location: SourceLocation(file: file, line: 1), reason: "file is too large")
        }
        guard let ctxt = xmlNewParserCtxt() else {
            throw XMLSyntaxError(location: SourceLocation(file: file, line: 0), reason: "libxml2 parser context")
        }
        defer { xmlFreeParserCtxt(ctxt) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOCDATA.rawValue)
        // libxml2 keeps going after a fatal error and its *last* error is often a knock-on one
        // ("Premature end of data"); the first is the one to show. Its handler is per thread.
        let firstError = FirstError()
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(firstError).toOpaque()) { user, error in
            guard let user, let error else { return }
            let box = Unmanaged<FirstError>.fromOpaque(user).takeUnretainedValue()
            guard box.line == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            box.line = Int(error.pointee.line)
            box.column = Int(error.pointee.int2)
            box.message = error.pointee.message.map { String(cString: $0) } ?? "malformed XML"
        }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        let doc = bytes.withUnsafeBufferPointer { buf -> xmlDocPtr? in
            guard let base = buf.baseAddress else { return nil }
            return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                xmlCtxtReadMemory(ctxt, $0, Int32(buf.count), file, "UTF-8", options)
            }
        }
        if let line = firstError.line {
            if let doc { xmlFreeDoc(doc) }
            throw XMLSyntaxError(
                location: SourceLocation(file: file, line: line, column: firstError.column > 0 ? firstError.column : nil),
                reason: firstError.message.trimmingCharacters(in: " \n"))
        }
        guard let doc else {
            throw XMLSyntaxError(location: SourceLocation(file: file, line: 0), reason: "malformed XML")
        }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else {
            throw XMLSyntaxError(location: SourceLocation(file: file, line: 1), reason: "document has no root element")
        }
        var tree = element(root)
        XMLPositionScanner.annotate(&tree, source: bytes)
        return tree
    }

    private static func element(_ node: xmlNodePtr) -> XMLElementNode {
        var attributes: [(name: String, value: String)] = []
        var attr = node.pointee.properties
        while let a = attr {
            let name = String(cString: a.pointee.name)
            var value = ""
            if let raw = xmlNodeListGetString(node.pointee.doc, a.pointee.children, 1) {
                value = String(cString: raw)
                xmlFree(raw)
            }
            attributes.append((name, value))
            attr = a.pointee.next
        }
        var children: [XMLElementNode] = []
        var text = ""
        var child = node.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_ELEMENT_NODE: children.append(element(c))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = c.pointee.content { text += String(cString: content) }
            default: break
            }
            child = c.pointee.next
        }
        return XMLElementNode(
            name: String(cString: node.pointee.name), attributes: attributes, children: children,
            text: text.trimmingCharacters(in: " \t\r\n"), line: Int(xmlGetLineNo(node)))
    }
}

/// Where the structured error handler stores the first error it sees.
private final class FirstError {
    var line: Int?
    var column = 0
    var message = ""
}

extension String {
    /// Trims by Unicode scalar: a `Set<Character>` built from " \t\r\n" holds "\r\n" as one
    /// character and so would not trim a lone "\n".
    func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        let view = unicodeScalars
        guard let start = view.firstIndex(where: { !scalars.contains($0) }),
              let end = view.lastIndex(where: { !scalars.contains($0) }) else { return "" }
        return String(view[start...end])
    }
}
