import Foundation

/// Reading one XML element of a dialplan: its location, its attributes checked and converted, and
/// an error for each problem, kept so `tandem dialplan check` shows them all. The compiler and its
/// action and condition compilers share it.
protocol ElementReading {
    var diagnostics: [Diagnostic] { get set }
    /// The file being compiled, named in every diagnostic.
    var file: String { get }
}

extension ElementReading {
    func location(_ node: XMLElementNode, _ attribute: String? = nil) -> SourceLocation {
        .of(node, attribute: attribute, file: file)
    }

    mutating func error(_ node: XMLElementNode, _ attribute: String?, _ message: String) {
        diagnostics.append(Diagnostic(location(node, attribute), message))
    }

    mutating func warning(_ node: XMLElementNode, _ attribute: String?, _ message: String) {
        diagnostics.append(Diagnostic(location(node, attribute), message, severity: .warning))
    }

    /// Refuses attributes the element does not take: a misspelt one would otherwise be ignored.
    mutating func allow(_ node: XMLElementNode, _ allowed: [String]) {
        for (name, _) in node.attributes where !allowed.contains(name) {
            let expected = allowed.isEmpty ? "it takes none" : "expected: " + allowed.joined(separator: ", ")
            error(node, name, "unknown attribute \"\(name)\" on <\(node.name)> (\(expected))")
        }
    }

    mutating func required(_ node: XMLElementNode, _ name: String) -> String? {
        guard let v = node.attribute(name) else {
            error(node, nil, "<\(node.name)> needs a \"\(name)\" attribute")
            return nil
        }
        guard !v.trimmingCharacters(in: .whitespaces).isEmpty else {
            error(node, name, "\"\(name)\" on <\(node.name)> is empty")
            return nil
        }
        return v
    }

    mutating func bool(_ node: XMLElementNode, _ name: String) -> Bool {
        guard let v = node.attribute(name) else { return false }
        switch v.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default:
            error(node, name, "\"\(name)\" must be true or false, not \"\(v)\"")
            return false
        }
    }

    mutating func template(_ node: XMLElementNode, _ name: String) -> Template? {
        guard let v = node.attribute(name) else { return nil }
        do {
            return try Template(parsing: v)
        } catch {
            self.error(node, name, "\"\(name)\": \(error.reason)")
            return nil
        }
    }

    mutating func duration(_ node: XMLElementNode, _ name: String) -> Duration? {
        guard let v = node.attribute(name) else { return nil }
        guard let d = DurationText.parse(v), d > .zero else {
            error(node, name, "\"\(name)\" must be a duration such as 30s, 1500ms, 5m or 1h30m, not \"\(v)\"")
            return nil
        }
        return d
    }

    mutating func noText(_ node: XMLElementNode) {
        if !node.text.isEmpty {
            error(node, nil, "unexpected text inside <\(node.name)>: \"\(node.text.prefix(40))\"")
        }
    }

    mutating func noChildren(_ node: XMLElementNode) {
        for child in node.children {
            error(child, nil, "<\(node.name)> takes no child elements, found <\(child.name)>")
        }
    }

    /// The element name with the expected ones, for "unknown element" errors.
    static func expected(_ names: [String]) -> String {
        names.map { "<\($0)>" }.joined(separator: ", ")
    }
}
